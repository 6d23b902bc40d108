"""``GET /readyz``: can this process serve, and can every organisation work?

The store must answer, on a new connection and within ``READY_SECONDS`` (else 503 at once:
nothing can be stored, not even a webhook; the body never names the database). Then each
organisation's health is reported: its problems (the Xero connection needs re-authorisation or
Xero no longer lists it, no WhatsApp connection, an invalid policy, parked events) with the
command that fixes each. The top-level ``status`` is ``ok`` only while every switched-on
organisation can work; otherwise ``degraded``, still with HTTP 200: a 503 would make a load
balancer stop sending this process the webhooks of the healthy organisations too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from component.orgs.defaults import OrgDefaults
from component.orgs.view import load_all
from component.service.http import json_response
from component.service.state import ServiceState

log = logging.getLogger("xero_wa.service")

#: How long the store may take to answer a readiness check: a load balancer's probe must get its
#: 503 in time when the database is gone, not after the connection pool's 30 s wait.
READY_SECONDS = 2.0


async def readyz(request: Request) -> Response:
    state: ServiceState = request.app.state.service

    def store_counts() -> dict[str, int]:
        store = state.runtime.store
        store.ping(READY_SECONDS)  # a new connection: fails fast when the database is gone
        return store.events.counts()

    try:
        counts = await asyncio.wait_for(asyncio.to_thread(store_counts), READY_SECONDS + 1)
    except Exception as exc:  # the body says no more: /readyz answers anyone, the log says why
        log.warning("store not ready: %s", getattr(exc, "message", None) or type(exc).__name__)
        return json_response({"status": "unavailable", "reason": "the store cannot be read"}, 503)
    defaults = state.defaults or OrgDefaults.from_config(state.config)
    orgs = await asyncio.to_thread(load_all, state.runtime, defaults, sync=False)
    now = state.runtime.clock.now()
    organisations = [_org(o.to_json(now)) for o in orgs]
    failing = [o["name"] for o in organisations if o["health"] == "error"]
    body: dict[str, Any] = {
        "status": "degraded" if failing else "ok",
        "worker": state.config.xero_wa_worker,
        "scheduler": state.config.xero_wa_scheduler,
        "events": counts,
        "organisations": organisations,
        "warnings": _warnings(state),
    }
    if failing:
        body["reason"] = f"{len(failing)} organisation(s) cannot work: {', '.join(failing)}"
    return json_response(body)


def _org(full: dict[str, Any]) -> dict[str, Any]:
    keep = ("tenantId", "name", "enabled", "health", "problems", "xeroConnection")
    out = {k: full[k] for k in keep}
    out["whatsappConnection"] = full["whatsappConnection"]
    out["nextRun"] = full["nextRun"]
    return out


def _warnings(state: ServiceState) -> list[str]:
    warnings = [
        f"{name} is not configured: its webhook answers 401 to everything"
        for name, value in (
            ("XERO_WEBHOOK_KEY", state.secrets.xero_webhook_key),
            ("WHATSAPP_APP_SECRET", state.secrets.whatsapp_app_secret),
        )
        if not value
    ]
    if not state.api_keys:
        warnings.append("XERO_WA_API_KEYS is not set: the /v1 API refuses every request")
    return warnings
