"""getWhatsAppMessageStatus: the statuses the status webhook stored for one wamid."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext

NOT_YET = (
    "no status recorded yet for this message id: statuses arrive by the WhatsApp status "
    "webhook, usually within seconds of sending"
)


async def run(ctx: ActionContext) -> dict[str, Any]:
    wamid = ctx.inputs["messageId"].strip()
    repo = ctx.runtime.store.messages
    statuses = repo.statuses(wamid)
    latest = repo.latest(wamid)
    sent = repo.sent(wamid)
    result: dict[str, Any] = {
        "messageId": wamid,
        "found": latest is not None or sent is not None,
        "status": latest.status if latest else ("accepted" if sent else None),
        "latest": latest.to_json() if latest else None,
        "statuses": [s.to_json() for s in statuses],
        "sent": sent.to_json() if sent else None,
    }
    if latest is None:
        result["note"] = NOT_YET
    return result
