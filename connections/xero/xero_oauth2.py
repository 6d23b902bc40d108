"""``xeroOAuth2``: a stored authorization-code connection with a refreshing token."""

from __future__ import annotations

from typing import Any

from component.oauth.open import open_authorization_code
from component.sessions import ConnectionContext, Session


async def open_connection(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    return await open_authorization_code(ctx, values)
