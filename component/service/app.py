"""``create_app(runtime, config)``: the Starlette application of ``xero-wa serve``.

Routes: the trigger paths of the registry (each routed to its handler), the ``/v1`` action API,
``/openapi.json``, the OAuth routes, ``/healthz``, ``/readyz`` and the web app (``component.web``).
The lifespan opens the store (migrating it) before the first request, starts the worker and
the catch-up poll when enabled, and on shutdown stops them after uvicorn has finished the
requests in flight; events still queued stay in the store for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from component.alerts import compose
from component.alerts.invoices import Alerts
from component.alerts.poll import Poller
from component.alerts.processor import EventProcessor
from component.executor import Executor
from component.mcp_server import http as mcp_http
from component.orgs.defaults import OrgDefaults
from component.orgs.sync import sync_stored
from component.polling.jobs import configured_jobs
from component.runtime import Runtime
from component.scheduler.engine import Scheduler
from component.scheduler.jobs import JobContext, registered
from component.service import api, background, oauth_routes, readiness
from component.service.body_limit import BodyLimitMiddleware
from component.service.config import ServiceConfig, resolve_secrets
from component.service.connections import ServiceConnections
from component.service.http import BodyTooLarge, json_response, receive_body
from component.service.logging import RequestIdMiddleware
from component.service.state import ServiceState
from component.service.trigger import (
    TriggerContext,
    TriggerHandler,
    TriggerRequest,
    TriggerResponse,
)
from component.service.webhook_front import WebhookFront
from component.service.worker import Worker
from component.sessions import StoredOrInline
from component.spec.loader import Loaded
from component.spec.models import TriggerSpec
from component.web.routes import routes as web_routes

log = logging.getLogger("xero_wa.service")


def create_app(
    runtime: Runtime,
    config: ServiceConfig | None = None,
    *,
    xero_connection: StoredOrInline | None = None,
    whatsapp_connection: StoredOrInline | None = None,
) -> Starlette:
    """The service app. Connections default to the configured (or only) stored ones."""
    config = config or runtime.settings
    state = build_state(runtime, config, xero_connection, whatsapp_connection)
    owned: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readiness.readyz, methods=["GET"]),
        Route("/openapi.json", openapi_document, methods=["GET"]),
        *api.ROUTES,
        *oauth_routes.ROUTES,
    ]
    triggers = [
        trigger_route(loaded) for loaded in runtime.registry.triggers.values() if loaded.spec.path
    ]
    # Webhooks are most of the traffic: their routes are tried first (the router tries routes
    # in order, a regex match each), except one whose path a route above would claim, which
    # stays behind it as before.
    first = [t for t in triggers if not any(_claims(r, t.path) for r in owned)]
    routes = [
        *first,
        *owned,
        *(t for t in triggers if t not in first),
        *web_routes(),  # the web app (component/web/)
    ]
    mcp = mcp_http.service_endpoint(  # MCP over streamable HTTP, behind the API keys
        runtime,
        state.executor,
        {
            "xero": xero_connection or config.xero_wa_xero_connection,
            "whatsapp": whatsapp_connection or config.xero_wa_whatsapp_connection,
        },
        state.api_keys,
    )
    routes.append(Route(mcp_http.PATH, mcp, methods=["GET", "POST", "DELETE"]))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(  # deliveries to the trigger paths routed first: the short way in
                WebhookFront,
                endpoints={t.path: t.app for t in first if "POST" in (t.methods or ())},
                limit=config.xero_wa_max_body_bytes,
            ),
            Middleware(
                BodyLimitMiddleware,
                limit=config.xero_wa_max_body_bytes,
                bare_paths=frozenset(
                    t.spec.path for t in runtime.registry.triggers.values() if t.spec.path
                ),
            ),
        ],
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )
    app.state.service = state
    app.state.mcp = mcp
    return app


def build_state(
    runtime: Runtime,
    config: ServiceConfig,
    xero_connection: StoredOrInline | None,
    whatsapp_connection: StoredOrInline | None,
) -> ServiceState:
    for kind in ("invoice", "payment"):  # a misconfigured template stops the start, not a send
        compose.template_for(config, kind)
    executor = Executor(runtime)
    defaults = OrgDefaults.from_config(config)
    connections = ServiceConnections(
        runtime,
        xero_connection or config.xero_wa_xero_connection,
        whatsapp_connection,
        defaults,
    )
    alerts = Alerts(runtime, config, executor, connections)
    worker = Worker(runtime, config, EventProcessor(runtime, executor, connections, alerts))
    state = ServiceState(
        runtime=runtime,
        config=config,
        secrets=resolve_secrets(runtime, config),
        executor=executor,
        api_keys=runtime.settings.api_keys(),
        worker=worker,
    )
    state.poller = Poller(runtime, config, executor, connections, wake=worker.wake)
    state.connections, state.defaults = connections, defaults
    polls = configured_jobs(
        runtime, config.xero_wa_poll_triggers, config.xero_wa_poll_trigger_seconds
    )
    context = JobContext(runtime, executor, connections, config, defaults)
    state.scheduler = Scheduler(context, [*registered(), *polls] if polls else None)
    return state


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    state: ServiceState = app.state.service
    await asyncio.to_thread(lambda: state.runtime.store)  # open and migrate before serving
    await asyncio.to_thread(sync_stored, state.runtime)  # organisations of stored connections
    for document in ("openapi", "manifest", "actions"):  # encoded once, off the event loop
        await asyncio.to_thread(state.encoded, document)
    poll_task: asyncio.Task[None] | None = None
    if state.config.xero_wa_worker and state.worker is not None:
        state.worker.start()
        if state.config.xero_wa_poll_interval_seconds > 0 and state.poller is not None:
            poll_task = asyncio.create_task(state.poller.run_forever(), name="xero-wa-poll")
    tasks = background.start(state)
    log.info(
        "service started (worker %s, scheduler %s)",
        "on" if state.config.xero_wa_worker else "off",
        "on" if state.config.xero_wa_scheduler else "off",
    )
    try:
        async with app.state.mcp.running():
            yield
    finally:
        if poll_task is not None:
            poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll_task
        await background.stop(state, tasks)
        web = getattr(app.state, "web", None)
        if web is not None:
            await web.drain()
        if state.worker is not None:
            await state.worker.stop()
        log.info("service stopped")


# ----------------------------------------------------------------------------- triggers
Endpoint = Callable[[Request], Awaitable[Response]]


class TriggerEndpoint:
    """A trigger's path, answered by its handler.

    A plain ASGI app rather than a Starlette request handler: every Xero and Meta delivery
    comes through here, and a ``Request`` object, the handler's import lookup and the extra
    exception layer per request were a large part of what a webhook cost beyond its durable
    write (issue 13). The handler module is looked up once, at the first request."""

    def __init__(self, loaded: Loaded[TriggerSpec]) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self._handler: TriggerHandler | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state: ServiceState = scope["app"].state.service
        spec = self.spec
        try:
            body = await receive_body(scope, receive, state.config.xero_wa_max_body_bytes)
        except BodyTooLarge:
            await Response(status_code=413)(scope, receive, send)
            return
        handler = self._handler
        if handler is None:
            handler = self._handler = state.runtime.registry.handler(self.loaded)
        ctx = TriggerContext(
            runtime=state.runtime,
            config=state.config,
            spec=spec,
            inputs=state.trigger_inputs(spec),
            request=TriggerRequest(scope["method"], Headers(scope=scope), _query(scope), body),
            wake_worker=state.wake_worker,
        )
        try:
            result: TriggerResponse = await handler(ctx)
        except Exception:
            log.exception("trigger %s failed", spec.key)
            response = Response(status_code=500)
        else:
            response = Response(result.body, result.status, media_type=result.media_type)
        await response(scope, receive, send)


_NO_QUERY = QueryParams("")


def _query(scope: Scope) -> QueryParams:
    """The query parameters (webhooks mostly have none: one shared empty set, not a parse)."""
    raw = scope.get("query_string", b"")
    return QueryParams(raw) if raw else _NO_QUERY


def _claims(route: BaseRoute, path: str) -> bool:
    """Whether ``route`` would answer a request for ``path`` (any method)."""
    scope = {"type": "http", "path": path, "root_path": "", "method": "POST"}
    return route.matches(scope)[0] is not Match.NONE


def trigger_route(loaded: Loaded[TriggerSpec]) -> Route:
    """The trigger's path, answered by its handler (GET and POST; the handler says 405)."""
    spec = loaded.spec
    assert spec.path is not None  # only webhook triggers are routed
    return Route(
        spec.path, TriggerEndpoint(loaded), methods=["GET", "POST"], name=f"trigger:{spec.key}"
    )


# ----------------------------------------------------------------------------- fixed routes
async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


async def openapi_document(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    return Response(state.encoded("openapi"), media_type="application/json")


async def http_exception(request: Request, exc: Exception) -> Response:
    """Unknown routes and wrong methods answer JSON like every other error."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    where = f"{request.method} {request.url.path}"
    if status == 404:
        return json_response({"error": {"code": "not_found", "message": f"no route {where}"}}, 404)
    if status == 405:
        body = {"error": {"code": "method_not_allowed", "message": f"method not allowed: {where}"}}
        return json_response(body, 405)
    return json_response({"error": {"code": "http_error", "message": f"{where} failed"}}, status)
