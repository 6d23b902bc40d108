"""Keeping organisations in step with the stored connections' tenant lists.

Each stored Xero connection caches the tenants Xero's ``GET /connections`` listed for it (in its
token row). ``sync_stored`` turns those caches into organisations and links, without a call to
Xero: it runs whenever organisations are read (``xero-wa orgs``, the service's start). A fresh
listing (``refresh_listing``) asks Xero again, stores the answer and syncs: a tenant Xero no longer
lists (disconnected in Xero's "Connected apps") is then marked ``disconnected`` with the time.
"""

from __future__ import annotations

import asyncio
import logging

from component import errors
from component.oauth.access import token_repo
from component.oauth.tenants import fetch_tenants
from component.runtime import Runtime
from component.storage.organisations import SyncResult, TenantSeen
from component.storage.tokens import TenantRef, TokenRecord

log = logging.getLogger("xero_wa.orgs")


def seen(tenants: tuple[TenantRef, ...] | list[TenantRef]) -> list[TenantSeen]:
    return [TenantSeen(t.tenant_id, t.tenant_name, t.connection_id) for t in tenants]


def record_tenants(record: TokenRecord) -> list[TenantSeen]:
    """The tenants a token row knows: its listing, else the one tenant it is bound to."""
    if record.tenants:
        return seen(record.tenants)
    if record.tenant_id:
        return [TenantSeen(record.tenant_id, record.tenant_name or "")]
    return []


def sync_stored(runtime: Runtime) -> None:
    """Organisations and links from every stored Xero connection's cached tenant list."""
    if not runtime.has_store:
        return
    store = runtime.store
    repo = token_repo(runtime)
    now = runtime.clock.now()
    for name in store.connections.names(family="xero"):
        try:
            record = repo.get(name)
        except errors.ConnectionError as exc:  # sealed with another key: leave its links alone
            log.warning("organisations of connection %s not read: %s", name, exc.message)
            continue
        tenants = record_tenants(record) if record is not None else []
        if tenants:
            store.organisations.sync_links(name, tenants, now)


async def refresh_listing(runtime: Runtime, name: str) -> SyncResult:
    """Ask Xero which tenants connection ``name`` reaches now; store and sync the answer."""
    from component import sessions

    session = await sessions.resolve(runtime, name, "xero")
    tenants = await fetch_tenants(runtime, session.auth)
    now = runtime.clock.now()
    await asyncio.to_thread(token_repo(runtime).set_tenants, name, tenants, None, now)
    result = await asyncio.to_thread(
        runtime.store.organisations.sync_links, name, seen(tenants), now
    )
    for tenant_id in result.disconnected:
        log.warning("Xero no longer lists tenant %s for connection %s", tenant_id, name)
    return result


async def refresh_all(runtime: Runtime) -> dict[str, str]:
    """Refresh every stored OAuth connection's listing; one failing does not stop the others.

    Returns ``{connection: "ok" | problem}``.
    """
    outcome: dict[str, str] = {}
    for name in await asyncio.to_thread(runtime.store.connections.names, "xero"):
        try:
            await refresh_listing(runtime, name)
            outcome[name] = "ok"
        except errors.XeroWaError as exc:
            outcome[name] = exc.message
            log.warning("tenant listing of connection %s failed: %s", name, exc.message)
    return outcome
