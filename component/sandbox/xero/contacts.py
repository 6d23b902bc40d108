"""``/Contacts``: paged lists, get by ContactID or ContactNumber, create, update and archive.

Xero has no DELETE for contacts: archiving is a POST with ``ContactStatus: ARCHIVED``, and archived
contacts drop out of lists unless ``includeArchived=true``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import contact_write, query, render
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import Contact
from component.sandbox.xero.where import Field, FieldTable
from component.sandbox.xero.world import XeroWorld


def fields(_org: Org) -> FieldTable:
    return {
        "contactid": Field("guid", lambda c: c.contact_id),
        "name": Field("string", lambda c: c.name),
        "firstname": Field("string", lambda c: c.first_name),
        "lastname": Field("string", lambda c: c.last_name),
        "emailaddress": Field("string", lambda c: c.email),
        "contactnumber": Field("string", lambda c: c.contact_number),
        "accountnumber": Field("string", lambda c: c.account_number),
        "contactstatus": Field("string", lambda c: c.status),
        "iscustomer": Field("bool", lambda c: c.is_customer),
        "issupplier": Field("bool", lambda c: c.is_supplier),
        "defaultcurrency": Field("string", lambda c: c.default_currency),
        "updateddateutc": Field("date", lambda c: c.updated),
    }


def find(ctx: Ctx) -> Contact:
    key = str(ctx.params.get("ContactID", ""))
    contact = ctx.org.contacts.get(key.lower())
    if contact is None:
        contact = next((c for c in ctx.org.contacts.values() if c.contact_number == key), None)
    if contact is None:
        raise xe.XeroProblem(xe.not_found())
    return contact


def list_contacts(ctx: Ctx) -> Response:
    org = ctx.org
    ids = {s.lower() for s in query.csv(ctx.query("IDs"))}
    archived = ctx.flag("includeArchived")
    term = (ctx.query("searchTerm") or "").strip().casefold()
    since = query.modified_since(ctx)
    tests: list[Any] = []
    if not archived:
        tests.append(lambda c: c.status != "ARCHIVED")
    if ids:
        tests.append(lambda c: c.contact_id in ids)
    if term:
        tests.append(
            lambda c: any(
                term in v.casefold()
                for v in (c.name, c.first_name, c.last_name, c.email, c.contact_number)
            )
        )
    modified = query.updated_after(since)
    if modified is not None:
        tests.append(modified)
    matched = query.select(
        ctx,
        "contacts",
        lambda: org.contacts.values(),
        lambda: fields(org),
        "Contact",
        tests,
        (frozenset(ids), archived, term, since),
        lambda c: c.contact_id,
        org.contacts.get,
    )
    summary = ctx.flag("summaryOnly")
    paged = query.paging(ctx)
    if paged is None:
        items = [render.contact_json(c, summary=summary) for c in matched]
        return xe.json_response(xe.envelope("Contacts", items, ctx.now))
    page, size = paged
    items = [render.contact_json(c, summary=summary) for c in query.page_of(matched, page, size)]
    return xe.json_response(
        xe.envelope("Contacts", items, ctx.now, pagination=xe.pagination(page, size, len(matched)))
    )


def get_contact(ctx: Ctx) -> Response:
    return xe.json_response(xe.envelope("Contacts", [render.contact_json(find(ctx))], ctx.now))


def write(ctx: Ctx, *, create: bool, update: bool, target: Contact | None = None) -> Response:
    elements = elements_of(ctx.json(), "Contacts")
    summarize = ctx.flag("summarizeErrors", default=True)
    taken: set[str] = set()
    plans: list[tuple[dict[str, Any], Contact | None, Contact | None, list[str]]] = []
    for el in elements:
        if not isinstance(el, dict):
            plans.append(({}, None, None, ["Each contact must be an object"]))
            continue
        existing = target or _existing(ctx, el)
        if existing is None and el.get("ContactID"):
            raise xe.XeroProblem(xe.not_found())
        if existing is not None and not update:
            plans.append((el, None, None, ["A contact with this ContactID already exists"]))
            continue
        contact, errors = contact_write.validate(ctx, el, existing, taken)
        plans.append((el, contact, existing, errors))
    failed = [(el, errs) for el, _c, _e, errs in plans if errs]
    if failed and summarize:
        return xe.validation_error([_echo(el, errs) for el, errs in failed])
    out: list[dict[str, Any]] = []
    for el, staged, existing, errors in plans:
        if errors or staged is None:
            out.append(_echo(el, errors) | {"HasValidationErrors": True})
        else:
            out.append(render.contact_json(contact_write.save(ctx, staged, existing)))
    return xe.json_response(xe.envelope("Contacts", out, ctx.now))


def _existing(ctx: Ctx, el: dict[str, Any]) -> Contact | None:
    contact_id = el.get("ContactID")
    if isinstance(contact_id, str) and contact_id:
        return ctx.org.contacts.get(contact_id.lower())
    return None


def _echo(el: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    return xe.echo(el, errors)


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "contacts", handler)

    return [
        Route("/Contacts", ep(list_contacts), methods=["GET"]),
        Route("/Contacts", ep(lambda ctx: write(ctx, create=True, update=False)), methods=["PUT"]),
        Route("/Contacts", ep(lambda ctx: write(ctx, create=True, update=True)), methods=["POST"]),
        Route("/Contacts/{ContactID}", ep(get_contact), methods=["GET"]),
        Route(
            "/Contacts/{ContactID}",
            ep(lambda ctx: write(ctx, create=False, update=True, target=find(ctx))),
            methods=["POST"],
        ),
    ]
