"""listAttachments: the attachments of one object, by object type and id."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.xero.attachments import list_attachments


async def run(ctx: ActionContext) -> Any:
    return await list_attachments(ctx.xero, ctx.inputs["objectType"], ctx.inputs["objectId"])
