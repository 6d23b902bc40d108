"""Acting for an organisation: the sessions of the Xero and WhatsApp connections chosen for it.

Every front end that knows a tenant (a webhook event, the catch-up poll, the scheduler,
``xero-wa run --tenant``, the JSON API's ``tenant``) gets its sessions here, so "which connection
acts for this organisation" is decided in one place (``component.orgs.route``). An organisation
that cannot work raises the ConnectionError of its problem, with the command that fixes it.
"""

from __future__ import annotations

import asyncio

from component import errors, sessions
from component.oauth.tenants import select_tenant
from component.orgs.defaults import OrgDefaults
from component.orgs.sync import sync_stored
from component.orgs.view import Organisation, load_one
from component.runtime import Runtime
from component.sessions import Session


async def organisation(runtime: Runtime, defaults: OrgDefaults, tenant_id: str) -> Organisation:
    """The organisation of ``tenant_id``; ConnectionError when no stored connection reaches it."""
    org = await asyncio.to_thread(load_one, runtime, defaults, tenant_id)
    if org is None:  # connected since the last sync (another process, an older store)?
        await asyncio.to_thread(sync_stored, runtime)
        org = await asyncio.to_thread(load_one, runtime, defaults, tenant_id)
    if org is None:
        raise errors.ConnectionError(
            f"no stored Xero connection reaches the organisation {tenant_id}",
            reconnect="run `xero-wa connect xero` and tick it on Xero's consent screen "
            "(`xero-wa orgs` lists the organisations)",
        )
    return org


async def xero_session(runtime: Runtime, org: Organisation) -> Session:
    """The chosen Xero connection, aimed at the organisation's tenant."""
    name = org.xero.name
    if name is None:
        raise errors.ConnectionError(
            f"{org.name}: {org.xero.problem}", reconnect=org.xero.fix or "see `xero-wa orgs`"
        )
    session = await sessions.resolve(runtime, name, "xero")
    if session.tenant_id == org.tenant_id:
        return session
    return await select_tenant(runtime, session, org.tenant_id)


async def whatsapp_session(runtime: Runtime, org: Organisation) -> Session:
    """The WhatsApp connection that sends for the organisation."""
    name = org.whatsapp.name
    if name is None:
        raise errors.ConnectionError(
            f"{org.name}: {org.whatsapp.problem}",
            reconnect=org.whatsapp.fix or "see `xero-wa orgs`",
        )
    return await sessions.resolve(runtime, name, "whatsapp")
