"""createAttachment: upload raw bytes to ``/{ObjectType}/{id}/Attachments/{FileName}``."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.xero.attachments import create_attachment


async def run(ctx: ActionContext) -> Any:
    return await create_attachment(
        ctx.xero,
        ctx.inputs["objectType"],
        ctx.inputs["objectId"],
        ctx.inputs["fileName"],
        ctx.inputs["file"],
        ctx.inputs["contentType"],
    )
