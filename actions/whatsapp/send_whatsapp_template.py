"""sendWhatsAppTemplate: friendly parameters → components, then one paced send."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.whatsapp.params import locale_for, recipient, template_components


async def run(ctx: ActionContext) -> dict[str, Any]:
    inputs = ctx.inputs
    to = recipient(inputs["to"], ctx.settings.default_phone_region)
    components = template_components(inputs, inputs.get("locale") or locale_for(to))
    result = await ctx.whatsapp.send_template(
        to,
        inputs["templateName"],
        inputs["languageCode"],
        components,
        callback_data=inputs.get("callbackData"),
    )
    return result.response
