"""WhatsApp Cloud API emulator: messages, media, templates, status and inbound webhooks.

The sandbox app composes it with ``routes.routes(world)`` (Meta's Graph API paths, mounted at the
root) and ``control.control_routes(world)`` (mounted under ``/_sandbox/whatsapp``);
``world.WhatsAppWorld`` holds the state and shares the app's clock and
:class:`~component.sandbox.delivery.WebhookDeliverer`.

Only the configuration is exported here: the sandbox's configuration imports this package, and
the emulator itself (world, routes, control API) is imported where it is built, on first use,
so ``xero-wa run --sandbox`` against Xero does not load it.
"""

from __future__ import annotations

from component.sandbox.whatsapp.config import (
    BodyParam,
    StatusTiming,
    TemplateConfig,
    UrlButton,
    WhatsAppConfig,
    default_templates,
)

__all__ = [
    "BodyParam",
    "StatusTiming",
    "TemplateConfig",
    "UrlButton",
    "WhatsAppConfig",
    "default_templates",
]
