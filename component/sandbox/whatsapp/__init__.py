"""WhatsApp Cloud API emulator: messages, media, templates, status and inbound webhooks.

The sandbox app composes it with ``routes(world)`` (Meta's Graph API paths, mounted at the root)
and ``control_routes(world)`` (mounted under ``/_sandbox/whatsapp``); ``WhatsAppWorld`` holds the
state and shares the app's clock and :class:`~component.sandbox.delivery.WebhookDeliverer`.
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
from component.sandbox.whatsapp.control import control_routes
from component.sandbox.whatsapp.routes import routes
from component.sandbox.whatsapp.world import SentMessage, WhatsAppWorld

__all__ = [
    "BodyParam",
    "SentMessage",
    "StatusTiming",
    "TemplateConfig",
    "UrlButton",
    "WhatsAppConfig",
    "WhatsAppWorld",
    "control_routes",
    "default_templates",
    "routes",
]
