"""selectQuote: one page of options for a picklist (see component.xero.picklists_docs)."""

from __future__ import annotations

from component.context import ActionContext
from component.xero import picklists_docs


async def run(ctx: ActionContext) -> list[dict[str, str]]:
    search, page = ctx.inputs.get("search"), ctx.inputs.get("page") or 1
    return await picklists_docs.quotes(ctx.xero, search, page)
