"""``/Items``: unpaged list with where/order, get by ItemID or Code, create, update, DELETE (204)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import query, render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, boolean, number, text
from component.sandbox.xero.records import HistoryEntry, Item
from component.sandbox.xero.where import Field, FieldTable
from component.sandbox.xero.world import XeroWorld


def fields() -> FieldTable:
    return {
        "itemid": Field("guid", lambda i: i.item_id),
        "code": Field("string", lambda i: i.code),
        "name": Field("string", lambda i: i.name),
        "description": Field("string", lambda i: i.description),
        "issold": Field("bool", lambda i: i.is_sold),
        "ispurchased": Field("bool", lambda i: i.is_purchased),
        "istrackedasinventory": Field("bool", lambda i: i.is_tracked_as_inventory),
        "updateddateutc": Field("date", lambda i: i.updated),
    }


def find(ctx: Ctx) -> Item:
    key = str(ctx.params.get("ItemID", ""))
    item = ctx.org.items.get(key.lower()) or ctx.org.item_by_code(key)
    if item is None:
        raise xe.XeroProblem(xe.not_found())
    return item


def list_items(ctx: Ctx) -> Response:
    org = ctx.org
    since = query.modified_since(ctx)
    modified = query.updated_after(since)
    matched = query.select(
        ctx,
        "items",
        lambda: org.items.values(),
        fields,
        "Item",
        [modified] if modified else [],
        (since,),
        lambda i: i.item_id,
        org.items.get,
    )
    return xe.json_response(xe.envelope("Items", [render.item(i) for i in matched], ctx.now))


def get_item(ctx: Ctx) -> Response:
    return xe.json_response(xe.envelope("Items", [render.item(find(ctx))], ctx.now))


def _details(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{field} must be an object")
    out = {
        k: value[k]
        for k in ("UnitPrice", "AccountCode", "COGSAccountCode", "TaxType")
        if k in value
    }
    if "UnitPrice" in out:
        if isinstance(out["UnitPrice"], bool) or not isinstance(out["UnitPrice"], int | float):
            raise Invalid(f"{field}.UnitPrice must be a number")
        number(out["UnitPrice"], f"{field}.UnitPrice")  # in range, or Invalid
    return out


def _validate(ctx: Ctx, el: dict[str, Any], existing: Item | None, taken: set[str]) -> list[str]:
    errors: list[str] = []
    item = existing or Item(str(uuid.uuid4()), "", ctx.now)
    staged: dict[str, Any] = {}
    checks = (
        ("Code", lambda v: text(v, "Code", 30).strip()),
        ("Name", lambda v: text(v, "Name", 50)),
        ("Description", lambda v: text(v, "Description", 4000)),
        ("PurchaseDescription", lambda v: text(v, "PurchaseDescription", 4000)),
        ("IsSold", lambda v: boolean(v, "IsSold", True)),
        ("IsPurchased", lambda v: boolean(v, "IsPurchased", True)),
        ("SalesDetails", lambda v: _details(v, "SalesDetails")),
        ("PurchaseDetails", lambda v: _details(v, "PurchaseDetails")),
    )
    for field, check in checks:
        if field in el:
            try:
                staged[field] = check(el[field])
            except Invalid as exc:
                errors.extend(exc.messages)
    code = staged.get("Code", item.code)
    if not code:
        errors.append("Item Code must be specified")
    else:
        other = ctx.org.item_by_code(code)
        if code.casefold() in taken or (other is not None and other is not existing):
            errors.append(f"Item code '{code}' already exists. Item codes must be unique.")
        taken.add(code.casefold())
    el["_staged"] = staged
    return errors


def _save(ctx: Ctx, el: dict[str, Any], existing: Item | None) -> Item:
    staged = el.pop("_staged")
    item = existing or Item(str(uuid.uuid4()), "", ctx.now)
    for field, attr in (
        ("Code", "code"),
        ("Name", "name"),
        ("Description", "description"),
        ("PurchaseDescription", "purchase_description"),
        ("IsSold", "is_sold"),
        ("IsPurchased", "is_purchased"),
        ("SalesDetails", "sales"),
        ("PurchaseDetails", "purchase"),
    ):
        if field in staged:
            setattr(item, attr, staged[field])
    item.updated = ctx.now
    ctx.org.items[item.item_id] = item
    ctx.org.record_history(
        item.item_id,
        HistoryEntry(
            "Created" if existing is None else "Edited", f"Item {item.code}", "Sandbox API", ctx.now
        ),
    )
    return item


def write(ctx: Ctx, *, create: bool, update: bool, target: Item | None = None) -> Response:
    elements = elements_of(ctx.json(), "Items")
    summarize = ctx.flag("summarizeErrors", default=True)
    taken: set[str] = set()
    plans: list[tuple[dict[str, Any], Item | None, list[str]]] = []
    for raw in elements:
        if not isinstance(raw, dict):
            plans.append(({}, None, ["Each item must be an object"]))
            continue
        el = dict(raw)
        existing = target or (_existing(ctx, el) if update else None)
        if existing is None and not create:
            raise xe.XeroProblem(xe.not_found())
        plans.append((el, existing, _validate(ctx, el, existing, taken)))
    failed = [(el, errs) for el, _x, errs in plans if errs]
    if failed and summarize:
        return xe.validation_error([_echo(el, errs) for el, errs in failed])
    out = [
        _echo(el, errs) if errs else render.item(_save(ctx, el, existing))
        for el, existing, errs in plans
    ]
    ctx.org.bump("items")
    return xe.json_response(xe.envelope("Items", out, ctx.now))


def _existing(ctx: Ctx, el: dict[str, Any]) -> Item | None:
    item_id = el.get("ItemID")
    if isinstance(item_id, str) and item_id:
        found = ctx.org.items.get(item_id.lower())
        if found is None:
            raise xe.XeroProblem(xe.not_found())
        return found
    code = el.get("Code")
    return ctx.org.item_by_code(code) if isinstance(code, str) and code else None


def _echo(el: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    clean = {k: v for k, v in el.items() if k != "_staged"}
    return clean | {"ValidationErrors": [{"Message": m} for m in errors]}


def delete_item(ctx: Ctx) -> Response:
    item = find(ctx)
    del ctx.org.items[item.item_id]
    ctx.org.bump("items")
    return Response(status_code=204)


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "settings", handler)

    return [
        Route("/Items", ep(list_items), methods=["GET"]),
        Route("/Items", ep(lambda ctx: write(ctx, create=True, update=False)), methods=["PUT"]),
        Route("/Items", ep(lambda ctx: write(ctx, create=True, update=True)), methods=["POST"]),
        Route("/Items/{ItemID}", ep(get_item), methods=["GET"]),
        Route(
            "/Items/{ItemID}",
            ep(lambda ctx: write(ctx, create=False, update=True, target=find(ctx))),
            methods=["POST"],
        ),
        Route("/Items/{ItemID}", ep(delete_item), methods=["DELETE"]),
    ]
