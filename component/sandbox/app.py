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

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from component.sandbox.state import SandboxState
from component.sandbox.whatsapp import routes as whatsapp_routes
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
        *whatsapp_routes(state.whatsapp),
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
