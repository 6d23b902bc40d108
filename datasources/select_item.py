"""selectItem: one page of Item options for a picklist (see component.xero.picklists)."""

from __future__ import annotations

from component.context import ActionContext
from component.xero import picklists


async def run(ctx: ActionContext) -> list[dict[str, str]]:
    return await picklists.items(ctx.xero, ctx.inputs.get("search"), ctx.inputs.get("page") or 1)
