"""``/Quotes``: list (Status, ContactID, QuoteNumber filters; page), get, create, and status
changes.

Xero's rules: new quotes are DRAFT (or SENT); an update must carry the quote's ``Contact`` and
``Date`` again (Xero answers "Contact and Date are required" otherwise, which is why the
updateQuoteStatus action reads the quote first); statuses move DRAFT → SENT → ACCEPTED or
DECLINED, ACCEPTED → INVOICED, and DRAFT/SENT/DECLINED → DELETED. Quotes are not paged by
``pageSize`` (the spec declares only ``page``).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import doc_write, docs
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, a_date, text
from component.sandbox.xero.where import Field
from component.sandbox.xero.world import XeroWorld

NAME, ID = "Quotes", "QuoteID"
FIELDS = {
    **docs.common_fields(ID),
    "quotenumber": Field("string", lambda d: d.get("QuoteNumber", "")),
}
MOVES = {
    "DRAFT": {"SENT", "DELETED"},
    "SENT": {"ACCEPTED", "DECLINED", "DRAFT", "DELETED"},
    "ACCEPTED": {"INVOICED", "SENT"},
    "DECLINED": {"SENT", "DELETED"},
    "INVOICED": set(),
    "DELETED": set(),
}


def _number(ctx: Ctx) -> str:
    return f"QU-{len(docs.table(ctx.org, NAME)) + 1:04d}"


def _new(ctx: Ctx, el: dict[str, Any]) -> dict[str, Any]:
    status = str(el.get("Status") or "DRAFT").upper()
    errors = [] if status in ("DRAFT", "SENT") else ["Quote not of valid status for creation"]
    try:
        common = doc_write.body(ctx, el, "ACCREC", need_lines=True)
        expiry = a_date(el.get("ExpiryDate"), "ExpiryDate")
        title = text(el.get("Title"), "Title", 100)
        summary = text(el.get("Summary"), "Summary", 3000)
        terms = text(el.get("Terms"), "Terms", 4000)
    except Invalid as exc:
        raise Invalid(*errors, *exc.messages) from None
    if errors:
        raise Invalid(*errors)
    doc: dict[str, Any] = {
        ID: str(uuid.uuid4()),
        "QuoteNumber": text(el.get("QuoteNumber"), "QuoteNumber") or _number(ctx),
    }
    doc.update(common)
    # quotes spell it in capitals (QuoteLineAmountTypes: EXCLUSIVE, INCLUSIVE, NOTAX)
    doc["LineAmountTypes"] = common["LineAmountTypes"].upper()
    doc.update({"Status": status, "Title": title, "Summary": summary, "Terms": terms})
    if expiry is not None:
        doc.update({"ExpiryDate": xe.ms_date(expiry), "ExpiryDateString": xe.date_string(expiry)})
    return doc


def create(ctx: Ctx) -> Response:
    made, failed = [], []
    for el in elements_of(ctx.json(), NAME):
        try:
            if not isinstance(el, dict):
                raise Invalid("Each quote must be an object")
            made.append(_new(ctx, el))
        except Invalid as exc:
            failed.append(xe.echo(el if isinstance(el, dict) else {}, exc.messages))
    if failed:
        return xe.validation_error(failed)
    return xe.json_response(xe.envelope(NAME, [docs.save(ctx, NAME, ID, d) for d in made], ctx.now))


def update(ctx: Ctx) -> Response:
    doc = docs.find(ctx, NAME, "QuoteID")
    elements = elements_of(ctx.json(), NAME)
    el = elements[0] if elements and isinstance(elements[0], dict) else {}
    if not el.get("Contact") or not el.get("Date"):
        return xe.validation_error(
            [xe.echo(el, ["Contact and Date are required when updating a quote"])]
        )
    status = str(el.get("Status") or doc["Status"]).upper()
    if status != doc["Status"] and status not in MOVES.get(doc["Status"], set()):
        message = f"A quote with status {doc['Status']} cannot be changed to {status}"
        return xe.validation_error([xe.echo(el, [message])])
    doc["Status"] = status
    docs.save(ctx, NAME, ID, doc)
    return docs.one(ctx, NAME, doc)


def listing(ctx: Ctx) -> Response:
    status = (ctx.query("Status") or "").upper()
    contact = (ctx.query("ContactID") or "").lower()
    number = (ctx.query("QuoteNumber") or "").casefold()
    tests: list[Any] = []
    if status:
        tests.append(lambda d: d["Status"] == status)
    if contact:
        tests.append(lambda d: d["Contact"]["ContactID"] == contact)
    if number:
        tests.append(lambda d: number in d["QuoteNumber"].casefold())
    return docs.listing(ctx, NAME, ID, FIELDS, tests=tests, key=(status, contact, number))


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "invoices", handler)

    one = "/Quotes/{QuoteID}"
    return [
        Route("/Quotes", ep(listing), methods=["GET"]),
        Route("/Quotes", ep(create), methods=["PUT", "POST"]),
        Route(
            one,
            ep(lambda ctx: docs.one(ctx, NAME, docs.find(ctx, NAME, "QuoteID"))),
            methods=["GET"],
        ),
        Route(one, ep(update), methods=["POST"]),
    ]
