"""The WhatsApp emulator alone, as an ASGI app: for tests of a WhatsApp client that do not need
the Xero half, and for this package's own tests. The full sandbox app is assembled elsewhere."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from component.sandbox.whatsapp.control import control_routes
from component.sandbox.whatsapp.routes import routes
from component.sandbox.whatsapp.world import WhatsAppWorld

CONTROL_PREFIX = "/_sandbox/whatsapp"


def standalone_app(world: WhatsAppWorld) -> Starlette:
    """Graph routes at the root, control routes under ``/_sandbox/whatsapp``."""
    return Starlette(routes=[*routes(world), Mount(CONTROL_PREFIX, routes=control_routes(world))])
