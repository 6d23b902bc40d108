"""``/ContactGroups``: list, create, get one with its contacts, rename or delete, add and remove
members.

Xero's rules, as its documentation states them: only ACTIVE groups are listed, a group is
deleted by POSTing ``Status: DELETED``; ``Contacts`` (ContactID and Name) appear only when one
group is read by id; ``PUT /ContactGroups/{id}/Contacts`` adds contacts (already-present ones are
ignored, unknown or archived ones are a validation error) and answers with the contacts added;
``DELETE …/Contacts/{ContactID}`` removes one and ``DELETE …/Contacts`` removes all, both 204.
Group names are unique among active groups. Membership changes fire no webhook (Xero's contact
webhooks are about the contact record itself).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import query
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, text
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import ContactGroup
from component.sandbox.xero.where import Field, FieldTable
from component.sandbox.xero.world import XeroWorld

STATUSES = ("ACTIVE", "DELETED")


def fields() -> FieldTable:
    return {
        "contactgroupid": Field("guid", lambda g: g.group_id),
        "name": Field("string", lambda g: g.name),
        "status": Field("string", lambda g: g.status),
    }


def render(org: Org, group: ContactGroup, *, members: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ContactGroupID": group.group_id,
        "Name": group.name,
        "Status": group.status,
    }
    if members:
        out["Contacts"] = [member(org, cid) for cid in group.contact_ids if cid in org.contacts]
    return out


def member(org: Org, contact_id: str) -> dict[str, Any]:
    contact = org.contacts[contact_id]
    return {"ContactID": contact.contact_id, "Name": contact.name}


def find(ctx: Ctx) -> ContactGroup:
    group = ctx.org.contact_groups.get(str(ctx.params.get("ContactGroupID", "")).lower())
    if group is None or group.status != "ACTIVE":
        raise xe.XeroProblem(xe.not_found())
    return group


def list_groups(ctx: Ctx) -> Response:
    org = ctx.org
    matched = query.select(
        ctx,
        "contact_groups",
        lambda: org.contact_groups.values(),
        fields,
        "ContactGroup",
        [lambda g: g.status == "ACTIVE"],
        (),
        lambda g: g.group_id,
        org.contact_groups.get,
    )
    items = [render(org, g) for g in matched]
    return xe.json_response(xe.envelope("ContactGroups", items, ctx.now))


def get_group(ctx: Ctx) -> Response:
    group = find(ctx)
    return xe.json_response(
        xe.envelope("ContactGroups", [render(ctx.org, group, members=True)], ctx.now)
    )


def _name(ctx: Ctx, raw: Any, current: ContactGroup | None) -> str:
    name = text(raw, "Name", 100).strip()
    if not name:
        raise Invalid("A contact group must have a name.")
    for other in ctx.org.contact_groups.values():
        if (
            other is not current
            and other.status == "ACTIVE"
            and other.name.casefold() == name.casefold()
        ):
            raise Invalid(f"A contact group with the name '{name}' already exists.")
    return name


def create(ctx: Ctx) -> Response:
    made: list[ContactGroup] = []
    failed: list[dict[str, Any]] = []
    for el in elements_of(ctx.json(), "ContactGroups"):
        try:
            if not isinstance(el, dict):
                raise Invalid("Each contact group must be an object")
            group = ContactGroup(str(uuid.uuid4()), _name(ctx, el.get("Name"), None))
        except Invalid as exc:
            failed.append(xe.echo(el if isinstance(el, dict) else {}, exc.messages))
            continue
        made.append(group)
    if failed:
        return xe.validation_error(failed)
    for group in made:
        ctx.org.contact_groups[group.group_id] = group
    ctx.org.bump("contact_groups")
    items = [render(ctx.org, g) for g in made]
    return xe.json_response(xe.envelope("ContactGroups", items, ctx.now))


def update(ctx: Ctx) -> Response:
    group = find(ctx)
    elements = elements_of(ctx.json(), "ContactGroups")
    el = elements[0] if elements and isinstance(elements[0], dict) else {}
    try:
        name = _name(ctx, el["Name"], group) if "Name" in el else group.name
        status = str(el.get("Status") or group.status).upper()
        if status not in STATUSES:
            raise Invalid(f"Status '{status}' is not valid for a contact group")
    except Invalid as exc:
        return xe.validation_error([xe.echo(el, exc.messages)])
    group.name, group.status = name, status
    ctx.org.bump("contact_groups")
    return xe.json_response(xe.envelope("ContactGroups", [render(ctx.org, group)], ctx.now))


def add_contacts(ctx: Ctx) -> Response:
    group = find(ctx)
    wanted: list[str] = []
    failed: list[dict[str, Any]] = []
    for el in elements_of(ctx.json(), "Contacts"):
        raw = el.get("ContactID") if isinstance(el, dict) else None
        contact = ctx.org.contacts.get(str(raw or "").lower())
        if contact is None or contact.status != "ACTIVE":
            element = el if isinstance(el, dict) else {}
            failed.append(xe.echo(element, ["The contact could not be found or is archived."]))
            continue
        wanted.append(contact.contact_id)
    if failed:
        return xe.validation_error(failed)
    added = [cid for cid in dict.fromkeys(wanted) if cid not in group.contact_ids]
    group.contact_ids.extend(added)
    ctx.org.bump("contact_groups")
    items = [member(ctx.org, cid) for cid in dict.fromkeys(wanted)]
    return xe.json_response(xe.envelope("Contacts", items, ctx.now))


def remove_contact(ctx: Ctx) -> Response:
    group = find(ctx)
    contact_id = str(ctx.params.get("ContactID", "")).lower()
    if contact_id not in group.contact_ids:
        return xe.validation_messages(["The contact is not a member of this contact group."])
    group.contact_ids.remove(contact_id)
    ctx.org.bump("contact_groups")
    return Response(status_code=204)


def remove_all(ctx: Ctx) -> Response:
    find(ctx).contact_ids.clear()
    ctx.org.bump("contact_groups")
    return Response(status_code=204)


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "contacts", handler)

    one = "/ContactGroups/{ContactGroupID}"
    return [
        Route("/ContactGroups", ep(list_groups), methods=["GET"]),
        Route("/ContactGroups", ep(create), methods=["PUT"]),
        Route(one, ep(get_group), methods=["GET"]),
        Route(one, ep(update), methods=["POST"]),
        Route(one + "/Contacts", ep(add_contacts), methods=["PUT"]),
        Route(one + "/Contacts", ep(remove_all), methods=["DELETE"]),
        Route(one + "/Contacts/{ContactID}", ep(remove_contact), methods=["DELETE"]),
    ]
