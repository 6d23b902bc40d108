"""``xeroToken``: a bearer token used as given; the tenant comes from the value."""

from __future__ import annotations

from typing import Any

from component.auth import BearerToken
from component.sessions import ConnectionContext, Session


async def open_connection(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    return Session(
        key=ctx.spec_key,
        family="xero",
        auth=BearerToken(values["accessToken"]),
        values=values,
        tenant_id=values.get("tenantId"),
        name=ctx.name,
    )
