"""The Xero and WhatsApp connections the worker acts with.

Each is a stored connection's name, an inline value (tests, ``serve --sandbox``) or nothing, in
which case the only stored connection of the family is used (``component.sessions.resolve``).
A webhook event names its organisation, so the Xero session is aimed at the event's tenant,
re-listing the connection's tenants once when the tenant is new to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from component import sessions
from component.oauth.tenants import fetch_tenants, select_tenant
from component.runtime import Runtime
from component.sessions import Session, StoredOrInline


@dataclass
class ServiceConnections:
    runtime: Runtime
    xero_ref: StoredOrInline | None = field(default=None, repr=False)
    whatsapp_ref: StoredOrInline | None = field(default=None, repr=False)

    async def xero(self, tenant_id: str) -> Session:
        session = await sessions.resolve(self.runtime, self.xero_ref, "xero")
        if session.tenant_id == tenant_id:
            return session
        return await select_tenant(self.runtime, session, tenant_id)

    async def whatsapp(self) -> Session:
        return await sessions.resolve(self.runtime, self.whatsapp_ref, "whatsapp")

    async def xero_tenants(self) -> list[str]:
        """Every organisation the Xero connection reaches (the catch-up poll's list).

        Known from the session when it was stored with its tenants; otherwise (an inline custom
        connection, bound to one organisation Xero does not name in the token) Xero's
        ``/connections`` says which.
        """
        session = await sessions.resolve(self.runtime, self.xero_ref, "xero")
        if session.tenants:
            return list(session.tenants)
        if session.tenant_id:
            return [session.tenant_id]
        return [t.tenant_id for t in await fetch_tenants(self.runtime, session.auth)]
