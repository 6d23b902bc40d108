"""The Xero and WhatsApp connections the worker, the poll and the scheduler act with.

By default everything is routed by tenant: a webhook event names its organisation, and the
organisation says which stored Xero connection reaches it and which WhatsApp connection sends
for it (``component.orgs``), so any number of stored connections works without configuration.
An explicit connection (``XERO_WA_XERO_CONNECTION`` / ``XERO_WA_WHATSAPP_CONNECTION``, or an
inline value in tests and ``--sandbox``) overrides the routing for its family: it acts for every
tenant, re-listing its tenants once when a tenant is new to it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from component import sessions
from component.oauth.tenants import fetch_tenants, select_tenant
from component.orgs import act
from component.orgs.defaults import OrgDefaults
from component.orgs.view import Organisation, load_all
from component.runtime import Runtime
from component.sessions import Session, StoredOrInline


@dataclass
class ServiceConnections:
    runtime: Runtime
    xero_ref: StoredOrInline | None = field(default=None, repr=False)
    whatsapp_ref: StoredOrInline | None = field(default=None, repr=False)
    defaults: OrgDefaults = field(default_factory=OrgDefaults)

    @property
    def routed(self) -> bool:
        """True when Xero sessions come from the organisations: no explicit connection, and at
        least one stored Xero connection (without one, ``XERO_WA_CONNECTION_VALUE`` or the usual
        "no connection" error applies, as for any action)."""
        if self.xero_ref is not None or not self.runtime.has_store:
            return False
        return bool(self.runtime.store.connections.names(family="xero"))

    async def organisation(self, tenant_id: str) -> Organisation | None:
        """The stored organisation of ``tenant_id`` (None when connections are explicit and the
        tenant has no row: its defaults apply)."""
        if self.routed:
            return await act.organisation(self.runtime, self.defaults, tenant_id)
        from component.orgs.view import load_one

        return await asyncio.to_thread(load_one, self.runtime, self.defaults, tenant_id)

    async def xero(self, tenant_id: str) -> Session:
        if self.routed:
            org = await act.organisation(self.runtime, self.defaults, tenant_id)
            return await act.xero_session(self.runtime, org)
        session = await sessions.resolve(self.runtime, self.xero_ref, "xero")
        if session.tenant_id == tenant_id:
            return session
        return await select_tenant(self.runtime, session, tenant_id)

    async def whatsapp(self, tenant_id: str | None = None) -> Session:
        """The WhatsApp connection that sends for ``tenant_id``'s organisation."""
        if self.whatsapp_ref is None and tenant_id is not None:
            org = await act.organisation(self.runtime, self.defaults, tenant_id)
            return await act.whatsapp_session(self.runtime, org)
        return await sessions.resolve(self.runtime, self.whatsapp_ref, "whatsapp")

    async def xero_tenants(self) -> list[str]:
        """Every organisation to poll: the switched-on organisations that can work, or, with an
        explicit connection, every tenant it reaches.

        An explicit connection knows its tenants from the session when it was stored with them;
        otherwise (an inline custom connection, bound to one organisation Xero does not name in
        the token) Xero's ``/connections`` says which.
        """
        if self.routed:
            orgs = await asyncio.to_thread(load_all, self.runtime, self.defaults)
            return [o.tenant_id for o in orgs if o.enabled and o.xero.name is not None]
        session = await sessions.resolve(self.runtime, self.xero_ref, "xero")
        if session.tenants:
            return list(session.tenants)
        if session.tenant_id:
            return [session.tenant_id]
        return [t.tenant_id for t in await fetch_tenants(self.runtime, session.auth)]
