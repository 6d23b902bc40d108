"""listOverdueInvoices: the action face of ``component.xero.overdue`` (the reminder job's query)."""

from __future__ import annotations

from datetime import date
from typing import Any

from component import errors
from component.context import ActionContext
from component.xero.overdue import list_overdue_invoices, overdue_query


async def run(ctx: ActionContext) -> dict[str, Any]:
    as_of = ctx.inputs.get("asOf")
    try:
        query = await overdue_query(
            ctx.xero,
            as_of=date.fromisoformat(as_of) if as_of else None,
            min_days_overdue=ctx.inputs["minDaysOverdue"],
            contact_id=ctx.inputs.get("contactId"),
            currency=ctx.inputs.get("currency"),
        )
    except ValueError as exc:
        raise errors.InputError.single("minDaysOverdue", str(exc), context=ctx.spec.key) from None
    ctx.notes["asOf"] = query.as_of.isoformat()
    ctx.notes["where"] = query.where()
    return await list_overdue_invoices(ctx.xero, query)
