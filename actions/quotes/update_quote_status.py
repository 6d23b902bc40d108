"""updateQuoteStatus: Xero wants the quote's Contact and Date with every update, so read first.

``POST /Quotes/{id}`` with only ``Status`` is refused ("Contact and Date are required"); the
quote's own ContactID and DateString are sent back with the new status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from component import errors
from component.context import ActionContext
from component.xero.errors import json_body


async def run(ctx: ActionContext) -> Any:
    quote_id: str = ctx.inputs["quoteId"]
    path = f"/Quotes/{quote(quote_id, safe='')}"
    found = await ctx.xero.get_json(path, what=f"updateQuoteStatus (GET {path})")
    quotes = found.get("Quotes") if isinstance(found, dict) else None
    current = quotes[0] if isinstance(quotes, list) and quotes else None
    contact_id = ((current or {}).get("Contact") or {}).get("ContactID")
    day = str((current or {}).get("DateString") or "")[:10]
    if not contact_id or not day:
        raise errors.InputError.single(
            "quoteId",
            f"Xero's quote {quote_id} has no contact or date, so its status cannot be changed",
            context="action updateQuoteStatus",
        )
    body = {
        "Quotes": [
            {"Contact": {"ContactID": contact_id}, "Date": day, "Status": ctx.inputs["status"]}
        ]
    }
    what = f"updateQuoteStatus (POST {path})"
    return json_body(await ctx.xero.request("POST", path, json=body, what=what), what)
