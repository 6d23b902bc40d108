"""A connection's health, checked on request with the cheapest real call.

Xero: ``GET /connections`` with the stored tokens (refreshing them if due), which also proves
which organisations the connection still reaches. WhatsApp: list the message templates of the
business account (one call), which proves the token, the account and what can be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from component import errors, sessions
from component.oauth.tenants import fetch_tenants
from component.runtime import Runtime
from component.whatsapp.client import WhatsAppClient


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str
    fix: str | None = None


async def check(runtime: Runtime, name: str, family: str) -> Health:
    """Never raises for the connection's own problems: they are the answer."""
    try:
        session = await sessions.resolve(runtime, name, family)
        if family == "xero":
            tenants = await fetch_tenants(runtime, session.auth)
            names = ", ".join(t.tenant_name or t.tenant_id for t in tenants) or "none"
            return Health(True, f"Xero answers; organisations reached: {names}.")
        templates = await WhatsAppClient(runtime, session).list_templates()
        approved = sum(1 for t in templates if t.get("status") == "APPROVED")
        return Health(
            True, f"WhatsApp answers; {approved} of {len(templates)} templates are approved."
        )
    except errors.ConnectionError as exc:
        return Health(False, exc.message, exc.details.get("reconnect"))
    except errors.XeroWaError as exc:
        return Health(False, exc.message)
