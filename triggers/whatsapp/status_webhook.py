"""Handler of ``whatsappStatusWebhook``: the logic lives in ``component.service.webhooks_whatsapp``."""

from __future__ import annotations

from component.service import webhooks_whatsapp
from component.service.trigger import TriggerContext, TriggerResponse


async def handle(ctx: TriggerContext) -> TriggerResponse:
    """GET answers Meta's verification; POST stores statuses and opt-outs."""
    if ctx.request.method == "GET":
        return webhooks_whatsapp.verify_subscription(ctx)
    if ctx.request.method == "POST":
        return await webhooks_whatsapp.receive(ctx)
    return TriggerResponse(405)
