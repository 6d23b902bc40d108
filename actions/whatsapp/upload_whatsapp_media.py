"""uploadWhatsAppMedia: multipart upload of one file; returns Meta's media id."""

from __future__ import annotations

from dataclasses import replace

from component.context import ActionContext
from component.values import Binary


async def run(ctx: ActionContext) -> dict[str, str]:
    data: Binary = ctx.inputs["file"]
    if ctx.inputs.get("contentType"):
        data = replace(data, content_type=ctx.inputs["contentType"])
    if ctx.inputs.get("fileName"):
        data = replace(data, file_name=ctx.inputs["fileName"])
    return {"id": await ctx.whatsapp.upload_media(data)}
