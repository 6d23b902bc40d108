"""``GET``/``PUT /{Invoices|Contacts|Items|Payments}/{id}/History``: the audit trail and notes.

Xero records "Created", "Approved", "Paid", ... on its own and lets a client add notes
(``{"HistoryRecords": [{"Details": "..."}]}``, at most 2,500 characters each). Generated demo
records carry no stored history; they show a synthesised "Created" entry, as records imported long
ago do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import HistoryEntry
from component.sandbox.xero.world import XeroWorld

MAX_DETAILS = 2500
Finder = Callable[[Org, str], datetime | None]  # the record's creation time, None if unknown


def _finders() -> dict[str, tuple[str, str, Finder]]:
    def invoice(org: Org, key: str) -> datetime | None:
        found = org.invoices.get(key.lower()) or org.invoice_by_number(key)
        return found.updated if found else None

    def contact(org: Org, key: str) -> datetime | None:
        found = org.contacts.get(key.lower())
        return found.updated if found else None

    def item(org: Org, key: str) -> datetime | None:
        found = org.items.get(key.lower()) or org.item_by_code(key)
        return found.updated if found else None

    def payment(org: Org, key: str) -> datetime | None:
        found = org.payments.get(key.lower())
        return found.updated if found else None

    return {
        "Invoices": ("invoices", "InvoiceID", invoice),
        "Contacts": ("contacts", "ContactID", contact),
        "Items": ("settings", "ItemID", item),
        "Payments": ("payments", "PaymentID", payment),
    }


def _record_id(ctx: Ctx, collection: str, key: str) -> str:
    """Normalise the path key to the record's id (invoices and items accept numbers/codes)."""
    org = ctx.org
    if collection == "Invoices":
        found = org.invoices.get(key.lower()) or org.invoice_by_number(key)
        return found.invoice_id if found else key
    if collection == "Items":
        item = org.items.get(key.lower()) or org.item_by_code(key)
        return item.item_id if item else key
    return key.lower()


def routes(world: XeroWorld) -> list[Route]:
    out: list[Route] = []
    for collection, (family, param, finder) in _finders().items():

        def read(
            ctx: Ctx, collection: str = collection, param: str = param, finder: Finder = finder
        ) -> Response:
            key = str(ctx.params[param])
            created = finder(ctx.org, key)
            if created is None:
                raise xe.XeroProblem(xe.not_found())
            entries = ctx.org.history.get(_record_id(ctx, collection, key)) or [
                HistoryEntry("Created", "Created", "System Generated", created)
            ]
            items = [render.history(e) for e in reversed(entries)]
            return xe.json_response(xe.envelope("HistoryRecords", items, ctx.now))

        def add(
            ctx: Ctx, collection: str = collection, param: str = param, finder: Finder = finder
        ) -> Response:
            key = str(ctx.params[param])
            if finder(ctx.org, key) is None:
                raise xe.XeroProblem(xe.not_found())
            records = elements_of(ctx.json(), "HistoryRecords")
            errors: list[dict[str, Any]] = []
            for record in records:
                details = record.get("Details") if isinstance(record, dict) else None
                if not isinstance(details, str) or not details.strip():
                    errors.append(
                        {"ValidationErrors": [{"Message": "The Details field is required."}]}
                    )
                elif len(details) > MAX_DETAILS:
                    errors.append(
                        {
                            "ValidationErrors": [
                                {"Message": f"Details must be {MAX_DETAILS} characters or fewer."}
                            ]
                        }
                    )
            if errors:
                return xe.validation_error(errors)
            added = [
                HistoryEntry("Note", str(r["Details"]), "Sandbox API", ctx.now) for r in records
            ]
            record_id = _record_id(ctx, collection, key)
            for entry in added:
                ctx.org.record_history(record_id, entry)
            items = [{"DateUTC": xe.ms_date(e.when), "Details": e.details} for e in added]
            return xe.json_response(xe.envelope("HistoryRecords", items, ctx.now))

        path = f"/{collection}/{{{param}}}/History"
        out.append(Route(path, endpoint(world, family, read), methods=["GET"]))
        out.append(Route(path, endpoint(world, family, add), methods=["PUT"]))
    return out
