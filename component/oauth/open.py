"""Opening Xero OAuth connections: from stored values to a ``Session`` with a refreshing auth.

Opening reads the stored record once and fails fast when the connection needs re-authorisation,
so a broken connection is reported before any Xero call. The tenant of an authorization-code
connection comes from the store's cache; only a connection stored without one (an older store)
lists ``GET /connections`` here, once, and caches the answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from component import errors
from component.oauth.access import memory_keeper, stored_keeper, token_repo
from component.oauth.app import XeroApp
from component.oauth.client_credentials import ClientCredentialsGrant, check_scopes
from component.oauth.refresh import OAuthBearer, RefreshTokenGrant
from component.oauth.tenants import choose_tenant, fetch_tenants
from component.sessions import ConnectionContext, Session


def reconnect_command(name: str, grant_type: str = "authorization_code") -> str:
    """The command that re-authorises stored connection ``name`` (quoted in every message)."""
    if grant_type == "client_credentials":
        return f"run `xero-wa connect xero --client-credentials --name {name}`"
    return f"run `xero-wa connect xero --name {name}`"


async def open_authorization_code(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    runtime = ctx.runtime
    name = ctx.name
    if name is None:
        raise errors.ConnectionError(
            "a xeroOAuth2 connection gets its tokens by being authorised in the browser, so it "
            "is used by name, not as an inline value",
            reconnect="run `xero-wa connect xero --name NAME`, then pass --connection NAME",
            api_reconnect="connect it on the server (`xero-wa connect xero --name NAME` or the "
            'web app\'s Connections page), then send "connection": "NAME"',
        )
    app = XeroApp.from_values(values, runtime.settings)
    keeper = stored_keeper(runtime, name, app, RefreshTokenGrant(app), reconnect_command(name))
    record = await keeper.record()
    auth = OAuthBearer(keeper)
    tenant_id, tenants = record.tenant_id, record.tenants
    if tenant_id is None:
        tenants = await fetch_tenants(runtime, auth)
        chosen = await choose_tenant(tenants, values.get("tenant"), None)
        repo = token_repo(runtime)
        await asyncio.to_thread(repo.set_tenants, name, tenants, chosen, runtime.clock.now())
        tenant_id = chosen.tenant_id
    return Session(
        key=ctx.spec_key,
        family="xero",
        auth=auth,
        values=values,
        tenant_id=tenant_id,
        name=name,
        needs_tenant_header=True,
        tenants=tuple(t.tenant_id for t in tenants) or None,
    )


async def open_client_credentials(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    runtime = ctx.runtime
    app = XeroApp.from_values(values, runtime.settings)
    check_scopes(app.scopes)
    grant = ClientCredentialsGrant(app)
    tenant_id: str | None = None
    if ctx.name is not None:
        reconnect = reconnect_command(ctx.name, "client_credentials")
        keeper = stored_keeper(runtime, ctx.name, app, grant, reconnect)
        tenant_id = (await keeper.record()).tenant_id
    else:
        reconnect = "correct clientId and clientSecret in the connection value"
        keeper = memory_keeper(runtime, app, grant, reconnect)
    return Session(
        key=ctx.spec_key,
        family="xero",
        auth=OAuthBearer(keeper),
        values=values,
        tenant_id=tenant_id,
        name=ctx.name,
        needs_tenant_header=False,
        tenants=(tenant_id,) if tenant_id else None,
    )
