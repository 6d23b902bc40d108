"""Handler of the ``webhook`` trigger: the logic lives in ``component.service.webhooks_xero``."""

from __future__ import annotations

from component.service import webhooks_xero
from component.service.trigger import TriggerContext, TriggerResponse


async def handle(ctx: TriggerContext) -> TriggerResponse:
    """POST: verify the signature, queue the events, answer with an empty body."""
    if ctx.request.method != "POST":
        return TriggerResponse(405)
    return await webhooks_xero.receive(ctx)
