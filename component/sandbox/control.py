"""The sandbox control API under ``/_sandbox/`` (also driven by ``xero-wa sandbox ...``).

Levers a real service does not offer: reseed the demo organisations, move time forward, look at
statistics and webhook deliveries, change limits and faults, run Xero's Intent-to-Receive check,
and change Xero records "from the Xero side" (which fires webhooks like an edit in Xero's UI).
The WhatsApp half (``/_sandbox/whatsapp/...``) is mounted from the WhatsApp emulator.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from component.sandbox.config import FaultsConfig, LimitsConfig
from component.sandbox.env_block import env_block
from component.sandbox.state import SandboxState
from component.sandbox.whatsapp.control import control_routes as whatsapp_control_routes
from component.sandbox.whatsapp.control import webhook_url_ok
from component.sandbox.xero import contacts, invoices, payments
from component.sandbox.xero.api import Handler, run_control
from component.sandbox.xero.org import Org


def bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status)


async def body_of(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("body must be a JSON object")
    return value


def info(state: SandboxState) -> dict[str, Any]:
    cfg = state.config
    return {
        "base_url": cfg.base_url,
        "env": env_block(cfg),
        "today": state.xero.today.isoformat() if state.xero.today else None,
        "now": state.clock.now().isoformat(),
        "xero": {
            "client_id": cfg.xero.client_id,
            "client_secret": cfg.xero.client_secret,
            "webhook_key": cfg.xero.webhook_key,
            "webhook_url": cfg.xero.webhook_url,
            "webhook_disabled": state.xero.webhooks.disabled,
            "tenants": [
                {
                    "tenantId": o.tenant_id,
                    "tenantName": o.name,
                    "baseCurrency": o.base_currency,
                    "countryCode": o.country,
                }
                for o in state.xero.orgs.values()
            ],
        },
        "whatsapp": {
            "access_token": cfg.whatsapp.access_token,
            "app_secret": cfg.whatsapp.app_secret,
            "verify_token": cfg.whatsapp.verify_token,
            "phone_number_id": cfg.whatsapp.phone_number_id,
            "business_account_id": cfg.whatsapp.business_account_id,
            "api_version": cfg.whatsapp.api_versions[0],
            "webhook_url": cfg.whatsapp.webhook_url,
        },
    }


def routes(state: SandboxState) -> list[BaseRoute]:
    async def index(_request: Request) -> Response:
        return JSONResponse(info(state))

    async def seed(request: Request) -> Response:
        """``{"seed"?, "today"? (YYYY-MM-DD), "invoices"?, "contacts"?}``: regenerate the data."""
        try:
            body = await body_of(request)
            demo = state.config.demo
            if "seed" in body:
                demo.seed = int(body["seed"])
            if body.get("invoices") is not None:
                demo.tenants[0].invoices = max(0, int(body["invoices"]))
            if body.get("contacts") is not None:
                demo.tenants[0].contacts = max(0, int(body["contacts"]))
            today = date.fromisoformat(body["today"]) if body.get("today") else None
        except (ValueError, TypeError) as exc:
            return bad(f"invalid seed request: {exc}")
        used = state.seed(today)
        return JSONResponse(
            {
                "today": used.isoformat(),
                "data": state.xero.counts(),
                "tenants": info(state)["xero"]["tenants"],
            }
        )

    async def clock(_request: Request) -> Response:
        return JSONResponse(
            {"now": state.clock.now().isoformat(), "offset_seconds": state.clock.offset_seconds}
        )

    async def advance(request: Request) -> Response:
        """``{"seconds": N}``: move sandbox time forward, then deliver webhooks now due."""
        try:
            seconds = float((await body_of(request)).get("seconds", 0))
            state.clock.advance(seconds)
        except (ValueError, TypeError) as exc:
            return bad(f"invalid advance request: {exc}")
        attempts = await state.deliverer.drain()
        return JSONResponse(
            {
                "now": state.clock.now().isoformat(),
                "offset_seconds": state.clock.offset_seconds,
                "webhook_attempts": [a.to_dict() for a in attempts],
            }
        )

    async def stats(_request: Request) -> Response:
        return JSONResponse(state.stats())

    async def deliveries(_request: Request) -> Response:
        return JSONResponse(
            {"deliveries": state.deliverer.records(), "pending": state.deliverer.pending()}
        )

    async def drain(_request: Request) -> Response:
        attempts = await state.deliverer.drain()
        return JSONResponse({"attempts": [a.to_dict() for a in attempts]})

    async def xero_events(_request: Request) -> Response:
        return JSONResponse({"payloads": state.xero.webhooks.sent})

    async def xero_webhook(request: Request) -> Response:
        """``{"url": ..., "key"?: ...}``: set (or with url null, unset) the Xero webhook."""
        try:
            body = await body_of(request)
        except ValueError as exc:
            return bad(str(exc))
        if "url" in body:
            if body["url"] and not webhook_url_ok(body["url"]):
                return bad("'url' must be an http:// or https:// URL, or null")
            state.config.xero.webhook_url = body["url"] or None
            state.xero.webhooks.enable()
        if body.get("key"):
            state.config.xero.webhook_key = str(body["key"])
        return JSONResponse({"url": state.config.xero.webhook_url})

    async def intent_check(request: Request) -> Response:
        """``{"url"?: ...}`` (default: the configured webhook URL): Xero's Intent to Receive."""
        try:
            body = await body_of(request)
        except ValueError as exc:
            return bad(str(exc))
        url = body.get("url") or state.config.xero.webhook_url
        if not isinstance(url, str) or not url:
            return bad("no url given and no Xero webhook_url configured")
        return JSONResponse(await state.xero.webhooks.intent_check(url))

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                changes = await body_of(request)
                merged = FaultsConfig.model_validate(state.config.faults.model_dump() | changes)
            except (ValueError, ValidationError) as exc:
                return bad(f"invalid faults: {exc}")
            state.faults.configure(merged)
        return JSONResponse(state.config.faults.model_dump())

    async def limits(request: Request) -> Response:
        if request.method == "PUT":
            try:
                changes = await body_of(request)
                merged = LimitsConfig.model_validate(state.config.limits.model_dump() | changes)
            except (ValueError, ValidationError) as exc:
                return bad(f"invalid limits: {exc}")
            state.config.limits = merged
        return JSONResponse(state.config.limits.model_dump())

    def xero_write(handler: Handler) -> Any:
        async def handle(request: Request) -> Response:
            org = _tenant(state, request.query_params.get("tenantId"))
            if org is None:
                return bad("unknown tenantId", 404)
            return await run_control(state.xero, org, request, handler)

        return handle

    async def reset(_request: Request) -> Response:
        state.reset()
        return JSONResponse(
            {"ok": True, "today": state.xero.today.isoformat() if state.xero.today else None}
        )

    return [
        Route("/", index, methods=["GET"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", advance, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/faults", faults, methods=["GET", "PUT"]),
        Route("/limits", limits, methods=["GET", "PUT"]),
        Route("/webhooks/deliveries", deliveries, methods=["GET"]),
        Route("/webhooks/drain", drain, methods=["POST"]),
        Route("/xero/webhooks", xero_events, methods=["GET"]),
        Route("/xero/webhook", xero_webhook, methods=["PUT"]),
        Route("/xero/intent-check", intent_check, methods=["POST"]),
        Route("/xero/invoices", xero_write(invoices.create_or_update), methods=["POST"]),
        Route(
            "/xero/contacts",
            xero_write(lambda ctx: contacts.write(ctx, create=True, update=True)),
            methods=["POST"],
        ),
        Route("/xero/payments", xero_write(payments.create), methods=["POST"]),
        Mount("/whatsapp", routes=whatsapp_control_routes(state.whatsapp)),
    ]


def _tenant(state: SandboxState, wanted: str | None) -> Org | None:
    if not wanted:
        return state.xero.orgs.get(state.xero.demo_tenant_id)
    return state.xero.orgs.get(wanted.lower())
