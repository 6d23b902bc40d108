"""``whatsappCloud``: a Meta system-user token used as a bearer token."""

from __future__ import annotations

from typing import Any

from component.auth import BearerToken
from component.sessions import ConnectionContext, Session


async def open_connection(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    return Session(
        key=ctx.spec_key,
        family="whatsapp",
        auth=BearerToken(values["accessToken"]),
        values=values,
        name=ctx.name,
        needs_tenant_header=False,
    )
