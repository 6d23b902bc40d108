"""getAttachment: the file's bytes, by object type, object id and file name."""

from __future__ import annotations

from component.context import ActionContext
from component.values import Binary
from component.xero.attachments import get_attachment


async def run(ctx: ActionContext) -> Binary:
    return await get_attachment(
        ctx.xero, ctx.inputs["objectType"], ctx.inputs["objectId"], ctx.inputs["fileName"]
    )
