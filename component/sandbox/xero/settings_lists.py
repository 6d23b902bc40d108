"""Settings lists and read-only documents: ``/TaxRates``, ``/TrackingCategories``,
``/Currencies``, ``/BrandingThemes`` (with ``where``/``order`` where the spec has them), and the
seeded ``/RepeatingInvoices``, ``/Overpayments`` and ``/Prepayments`` (list and get).

Tracking categories list only ACTIVE ones unless ``includeArchived=true``, as Xero does.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import docs
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.where import (
    Field,
    FieldTable,
    QueryError,
    compile_order,
    compile_where,
    sort_records,
)
from component.sandbox.xero.world import XeroWorld

SETTINGS_FIELDS: dict[str, FieldTable] = {
    "TaxRates": {
        "name": Field("string", lambda r: r["Name"]),
        "taxtype": Field("string", lambda r: r["TaxType"]),
        "status": Field("string", lambda r: r["Status"]),
    },
    "TrackingCategories": {
        "name": Field("string", lambda r: r["Name"]),
        "status": Field("string", lambda r: r["Status"]),
    },
    "Currencies": {
        "code": Field("string", lambda r: r["Code"]),
        "description": Field("string", lambda r: r["Description"]),
    },
    "BrandingThemes": {"name": Field("string", lambda r: r["Name"])},
}


def settings_list(ctx: Ctx, name: str) -> Response:
    rows = list(ctx.org.settings.get(name, []))
    if name == "TrackingCategories" and not ctx.flag("includeArchived"):
        rows = [r for r in rows if r["Status"] == "ACTIVE"]
    where, order = ctx.query("where"), ctx.query("order")
    table = SETTINGS_FIELDS[name]
    try:
        if where and where.strip():
            test = compile_where(where, table, name.rstrip("s"))
            rows = [r for r in rows if test(r)]
        if order and order.strip():
            rows = sort_records(rows, compile_order(order, table, name.rstrip("s")))
    except QueryError as exc:
        raise xe.XeroProblem(xe.query_error(str(exc))) from None
    return xe.json_response(xe.envelope(name, rows, ctx.now))


def _doc_routes(world: XeroWorld, name: str, id_field: str) -> list[Route]:
    fields = docs.common_fields(id_field)

    def ep(handler: Any) -> Any:
        return endpoint(world, "invoices", handler)

    def listing(ctx: Ctx) -> Response:
        return docs.listing(ctx, name, id_field, fields)

    one = f"/{name}/{{{id_field}}}"
    return [
        Route(f"/{name}", ep(listing), methods=["GET"]),
        Route(
            one,
            ep(lambda ctx: docs.one(ctx, name, docs.find(ctx, name, id_field))),
            methods=["GET"],
        ),
    ]


def _settings_route(world: XeroWorld, name: str) -> Route:
    def handler(ctx: Ctx) -> Response:
        return settings_list(ctx, name)

    return Route(f"/{name}", endpoint(world, "settings", handler), methods=["GET"])


def routes(world: XeroWorld) -> list[Route]:
    out = [_settings_route(world, name) for name in SETTINGS_FIELDS]
    for name, id_field in (
        ("RepeatingInvoices", "RepeatingInvoiceID"),
        ("Overpayments", "OverpaymentID"),
        ("Prepayments", "PrepaymentID"),
    ):
        out += _doc_routes(world, name, id_field)
    return out
