"""sendWhatsAppText: one paced free-form text (only inside the 24-hour window)."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.whatsapp.params import recipient


async def run(ctx: ActionContext) -> dict[str, Any]:
    inputs = ctx.inputs
    result = await ctx.whatsapp.send_text(
        recipient(inputs["to"], ctx.settings.default_phone_region),
        inputs["body"],
        preview_url=bool(inputs["previewUrl"]),
        callback_data=inputs.get("callbackData"),
    )
    return result.response
