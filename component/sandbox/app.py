"""``create_app(state)``: the one ASGI app serving Xero, WhatsApp and the control API.

Paths are the real ones, so pointing a client at the sandbox changes only the host:

- ``/identity/connect/authorize``, ``/connect/token``, ``/connect/revocation`` (Xero identity)
- ``/connections`` (GET), ``/connections/{id}`` (DELETE)
- ``/api.xro/2.0/...`` (Xero accounting)
- ``/{version}/{phone-number-id}/...`` (WhatsApp Cloud API)
- ``/_sandbox/...`` (control API)

Middleware order, outermost first: fault injection, call statistics, routing. A request
stopped by an injected fault never reached the emulator, so it is counted under
``faults_injected``, not under ``calls``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from component.sandbox.state import SandboxState
from component.sandbox.xero import accounting, connections, identity


class _Wrap:
    """Adapts a ``middleware(app) -> app`` factory to Starlette's ``Middleware`` protocol."""

    def __init__(self, app: ASGIApp, factory: object) -> None:
        self._app = factory(app)  # type: ignore[operator]

    async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
        await self._app(scope, receive, send)


class _BuiltOnUse:
    """An ASGI app built on its first request.

    The control API is most of the sandbox's code, and ``xero-wa run --sandbox`` never calls
    it: building it on use keeps it out of that command's start-up.
    """

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)


class _RoutesBuiltOnUse(BaseRoute):
    """Routes built when a request first reaches them, matched exactly as if listed in place.

    The WhatsApp emulator's routes need its world, which is built on first use (see
    ``SandboxState.whatsapp``): a request answered by an earlier route (every Xero call of
    ``xero-wa run --sandbox``) never builds either.
    """

    _CHOSEN = "xero_wa.sandbox_route"

    def __init__(self, build: Callable[[], list[BaseRoute]]) -> None:
        self._build = build
        self._routes: list[BaseRoute] | None = None

    @property
    def routes(self) -> list[BaseRoute]:
        if self._routes is None:
            self._routes = self._build()
        return self._routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """The first full match, else the first partial one: what the router does with them."""
        partial: tuple[Match, Scope] | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return match, {**child_scope, self._CHOSEN: route}
            if match == Match.PARTIAL and partial is None:
                partial = match, {**child_scope, self._CHOSEN: route}
        return partial or (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(self._CHOSEN)
        scope["route"] = route  # the matched route, as the router records it (call statistics)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


def _whatsapp_routes(state: SandboxState) -> list[BaseRoute]:
    from component.sandbox.whatsapp.routes import routes

    return routes(state.whatsapp)


def _control(state: SandboxState) -> ASGIApp:
    from component.sandbox import control

    return Router(routes=control.routes(state))


def create_app(state: SandboxState) -> Starlette:
    xero = state.xero
    routes = [
        *identity.routes(xero),
        *connections.routes(xero),
        Mount("/api.xro/2.0", app=accounting.app(xero)),
        Mount("/_sandbox", app=_BuiltOnUse(lambda: _control(state))),
        _RoutesBuiltOnUse(lambda: _whatsapp_routes(state)),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_Wrap, factory=state.faults.middleware),
            Middleware(_Wrap, factory=state.calls.middleware),
        ],
    )
    app.state.sandbox = state
    return app
