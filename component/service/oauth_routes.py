"""Connecting a Xero organisation from a browser: ``/oauth/xero/start`` and ``/callback``.

Both halves are the shared connect flow (``component.oauth.authorize``): the start records the
state and PKCE verifier in the store and redirects to Xero; the callback (in this process or
another one sharing the store) exchanges the code, picks the tenant and stores the connection.

The start needs the API key (Bearer header, or ``api_key`` in the query for a browser link): an
open start would let anyone replace a stored connection with their own organisation. The
callback needs no key: it only completes a flow whose unguessable ``state`` this service issued.
"""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from component import errors
from component.oauth.authorize import SPEC_KEY, finish_authorization, start_authorization
from component.oauth.connected import Connected
from component.oauth.manage import stored_values
from component.service import auth
from component.service.http import error_response, internal_error
from component.service.state import ServiceState

CALLBACK_PATH = "/oauth/xero/callback"
DEFAULT_NAME = "xero"


async def start(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    try:
        query_key = request.query_params.get("api_key")
        header = f"Bearer {query_key}" if query_key else request.headers.get("authorization")
        auth.check(header, state.api_keys)
        name = request.query_params.get("name") or DEFAULT_NAME
        values = _values(state, request, name)
        started = await start_authorization(state.runtime, name, values)
    except errors.XeroWaError as exc:
        return error_response(exc)
    except Exception as exc:
        return error_response(internal_error(exc, "GET /oauth/xero/start"))
    return RedirectResponse(started.url, status_code=302, headers={"Cache-Control": "no-store"})


def _values(state: ServiceState, request: Request, name: str) -> dict[str, Any]:
    """The stored connection's settings (a reconnect), then configuration and the query."""
    values = stored_values(state.runtime, name, SPEC_KEY) or {}
    config = state.config
    if config.xero_client_id:
        values["clientId"] = config.xero_client_id
    if config.xero_client_secret is not None:
        values["clientSecret"] = config.xero_client_secret.get_secret_value()
    values["redirectUri"] = redirect_uri(state, request)
    tenant = request.query_params.get("tenant")
    if tenant:
        values["tenant"] = tenant
    missing = [
        errors.FieldProblem(key, f"is not configured: set {env}")
        for key, env in (("clientId", "XERO_CLIENT_ID"), ("clientSecret", "XERO_CLIENT_SECRET"))
        if not values.get(key)
    ]
    if missing:
        raise errors.InputError(missing, context="Xero app")
    return values


def redirect_uri(state: ServiceState, request: Request) -> str:
    """``XERO_WA_PUBLIC_URL`` + the callback path; else the URL this request came in on."""
    base = state.config.xero_wa_public_url or str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


async def callback(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    query = request.query_params
    try:
        connected = await finish_authorization(
            state.runtime,
            state=query.get("state", ""),
            code=query.get("code"),
            error=query.get("error"),
            error_description=query.get("error_description"),
        )
    except errors.XeroWaError as exc:
        return _page("Xero was not connected", exc.message, exc.http_status)
    except Exception as exc:
        failure = internal_error(exc, "GET /oauth/xero/callback")
        return _page("Xero was not connected", failure.message, failure.http_status)
    lines = [connected.summary(), *connected.notes]
    if len(connected.tenants) > 1:
        lines.append("Switch one off with `xero-wa orgs set ORG --enabled off`.")
    return _page("Xero is connected", " ".join(lines), 200, _tenant_list(connected))


def _tenant_list(connected: Connected) -> str:
    """Each organisation the consent reached, and whether it was switched on."""
    on = {t.tenant_id for t in connected.enabled}
    items = "".join(
        f"<li>{html.escape(t.tenant_name or t.tenant_id)} "
        f"<small>({html.escape(t.tenant_id)})</small>: "
        f"{'switched on' if t.tenant_id in on else 'saved, switched off'}</li>"
        for t in connected.tenants
    )
    return f"<ul>{items}</ul>" if items else ""


def _page(title: str, detail: str, status: int, extra: str = "") -> Response:
    body = (
        "<!doctype html><meta charset='utf-8'><title>xero-wa</title>"
        "<body style='font-family:sans-serif'>"
        f"<h2>{html.escape(title)}</h2><p>{html.escape(detail)}</p>{extra}</body>"
    )
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})


ROUTES = [
    Route("/oauth/xero/start", start, methods=["GET"]),
    Route(CALLBACK_PATH, callback, methods=["GET"]),
]
