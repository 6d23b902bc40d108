"""selectPayment: one page of Payment options for a picklist (see component.xero.picklists)."""

from __future__ import annotations

from component.context import ActionContext
from component.xero import picklists


async def run(ctx: ActionContext) -> list[dict[str, str]]:
    return await picklists.payments(ctx.xero, ctx.inputs.get("search"), ctx.inputs.get("page") or 1)
