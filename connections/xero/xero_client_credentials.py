"""``xeroClientCredentials``: a custom connection; a new token on every expiry."""

from __future__ import annotations

from typing import Any

from component.oauth.open import open_client_credentials
from component.sessions import ConnectionContext, Session


async def open_connection(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    return await open_client_credentials(ctx, values)
