"""WhatsApp Cloud API emulator: messages, media, templates, status and inbound webhooks.

A composes it into the sandbox app with ``routes(world)`` (the Graph API paths) and
``control_routes(world)`` (mounted under ``/_sandbox/whatsapp``).
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
