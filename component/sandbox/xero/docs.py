"""Documents kept as Xero's own JSON (credit notes, quotes, bank transactions, repeating
invoices, overpayments, prepayments): the shared list and get.

These collections are small in any organisation a test builds, so they are stored already
rendered (``org.docs[collection][id]``) and filtered with the same ``where``/``order`` engine as
invoices, through a field table read from the JSON. Lists honour ``If-Modified-Since`` (against
``UpdatedDateUTC``) and page like Xero when ``page`` is given. Writes belong to each resource's
module; they call :func:`save`, which stamps ``UpdatedDateUTC`` and invalidates cached queries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.responses import Response

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import query
from component.sandbox.xero.api import Ctx
from component.sandbox.xero.org import Org
from component.sandbox.xero.where import Field, FieldTable, as_datetime
from component.xero.dates import parse_xero_datetime

Doc = dict[str, Any]


def when(doc: Doc, key: str) -> datetime | None:
    """A ``/Date(…)/`` field of a stored document as a datetime (for where and ordering)."""
    return as_datetime(parse_xero_datetime(doc.get(key)))


def common_fields(id_field: str) -> FieldTable:
    """Fields every document type shares; types add their own."""
    return {
        id_field.lower(): Field("guid", lambda d: d.get(id_field, "")),
        "status": Field("string", lambda d: d.get("Status", "")),
        "type": Field("string", lambda d: d.get("Type", "")),
        "reference": Field("string", lambda d: d.get("Reference", "")),
        "contact.contactid": Field("guid", lambda d: (d.get("Contact") or {}).get("ContactID", "")),
        "contact.name": Field("string", lambda d: (d.get("Contact") or {}).get("Name", "")),
        "total": Field("number", lambda d: d.get("Total", 0.0)),
        "date": Field("date", lambda d: when(d, "Date")),
        "updateddateutc": Field("date", lambda d: when(d, "UpdatedDateUTC")),
        "currencycode": Field("string", lambda d: d.get("CurrencyCode", "")),
    }


def table(org: Org, collection: str) -> dict[str, Doc]:
    return org.docs.setdefault(collection, {})


def find(ctx: Ctx, collection: str, param: str) -> Doc:
    doc = table(ctx.org, collection).get(str(ctx.params.get(param, "")).lower())
    if doc is None:
        raise xe.XeroProblem(xe.not_found())
    return doc


def save(ctx: Ctx, collection: str, id_field: str, doc: Doc) -> Doc:
    doc["UpdatedDateUTC"] = xe.ms_date(ctx.now)
    table(ctx.org, collection)[str(doc[id_field]).lower()] = doc
    ctx.org.bump(collection)
    return doc


def listing(
    ctx: Ctx,
    collection: str,
    id_field: str,
    fields: FieldTable,
    *,
    tests: list[Callable[[Doc], bool]] | None = None,
    key: tuple[Any, ...] = (),
    shape: Callable[[Doc], Doc] = lambda d: d,
) -> Response:
    """The list answer: filters, ``where``/``order``, If-Modified-Since, optional paging."""
    docs = table(ctx.org, collection)
    since = query.modified_since(ctx)
    checks = list(tests or [])
    if since is not None:
        checks.append(lambda d: (when(d, "UpdatedDateUTC") or since) > since)
    matched = query.select(
        ctx,
        collection,
        lambda: docs.values(),
        lambda: fields,
        collection.rstrip("s"),
        checks,
        (since, *key),
        lambda d: str(d[id_field]).lower(),
        docs.get,
    )
    paged = query.paging(ctx)
    if paged is None:
        return xe.json_response(xe.envelope(collection, [shape(d) for d in matched], ctx.now))
    page, size = paged
    items = [shape(d) for d in query.page_of(matched, page, size)]
    extra = {"pagination": xe.pagination(page, size, len(matched))}
    return xe.json_response(xe.envelope(collection, items, ctx.now, **extra))


def one(ctx: Ctx, collection: str, doc: Doc) -> Response:
    return xe.json_response(xe.envelope(collection, [doc], ctx.now))
