"""``/contacts/{contactId}``: one customer: phones, opt-out, and fixing a number in Xero.

The contact is read live from Xero (``getContact``), so the page shows what the next run will
see. Each phone says whether WhatsApp can use it and why not (``component.phones``, the rules the
reminder job applies). A number that cannot be used can be corrected here: the new mobile is
checked with the same rules first, then written to Xero with the ``updateContact`` action (only
the MOBILE phone is replaced; Xero keeps the others). Phone numbers travel in form bodies only.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from component import errors, phones
from component.history.timeline import contact_timelines
from component.web import orgs
from component.web.page import Page, PageError
from component.web.runner import invoke

CONTACT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
OPTOUT_SOURCE = "web"


async def show(
    page: Page, *, notice: str = "", problems: dict[str, str] | None = None, status: int = 200
) -> Response:
    contact_id, org = await _target(page)
    contact = await _contact(page, contact_id, org)
    region = phones.default_region(page.web.runtime.settings.default_phone_region, None)
    rows = [
        {
            "type": str(p.get("PhoneType") or ""),
            "text": _written(p),
            "choice": phones.read_phone(p, default_region=region),
        }
        for p in contact.get("Phones") or []
        if isinstance(p, dict) and (p.get("PhoneNumber") or p.get("PhoneAreaCode"))
    ]
    chosen = phones.whatsapp_number(contact.get("Phones"), default_region=region)
    opted = await page.db(
        page.web.runtime.store.optouts.is_opted_out, org.tenant_id, contact_id, chosen.e164
    )
    steps = await page.db(_timeline, page.web.runtime, org, contact_id)
    return page.render(
        "contact.html",
        status,
        org=org,
        contact=contact,
        contact_id=contact_id,
        phones=rows,
        chosen=chosen,
        opted_out=opted,
        steps=steps,
        notice=notice,
        problems=problems or {},
        form_country=page.value("countryCode"),
        form_number=page.value("number"),
    )


async def set_optout(page: Page) -> Response:
    contact_id, org = await _target(page)
    store = page.web.runtime.store
    if page.value("optOut") == "yes":
        reason = page.value("reason")[:200] or "asked not to get WhatsApp reminders"
        await page.db(
            lambda: store.optouts.add_contact(
                org.tenant_id, contact_id, reason=reason, source=OPTOUT_SOURCE
            )
        )
        return await show(page, notice="This contact gets no more WhatsApp reminders.")
    await page.db(store.optouts.remove_contact, org.tenant_id, contact_id)
    return await show(page, notice="WhatsApp reminders are allowed for this contact again.")


async def fix_phone(page: Page) -> Response:
    """Check the corrected mobile, then write it to Xero through ``updateContact``."""
    contact_id, org = await _target(page)
    country = page.value("countryCode").lstrip("+")[:4]
    number = page.value("number")[:40]
    problems: dict[str, str] = {}
    if not country.isdigit():
        problems["countryCode"] = "the country code, digits only (91 for India, 61 for Australia)"
    if not any(ch.isdigit() for ch in number):
        problems["number"] = "the mobile number without the country code"
    if not problems:
        phone = {"PhoneType": "MOBILE", "PhoneCountryCode": country, "PhoneNumber": number}
        region = phones.default_region(page.web.runtime.settings.default_phone_region, None)
        choice = phones.read_phone(phone, default_region=region)
        if not choice.ok:
            problems["number"] = f"WhatsApp could not use it: {choice.detail}"
    if problems:
        return await show(page, problems=problems, status=400)
    inputs: dict[str, Any] = {"contactId": contact_id, "additionalFields": {"Phones": [phone]}}
    try:
        await invoke(page.web.executor, "updateContact", inputs, org)
    except errors.XeroWaError as exc:
        return await show(
            page, problems={"number": f"Xero refused it: {exc.message}"}, status=exc.http_status
        )
    return await show(
        page, notice=f"Xero now has the mobile number {choice.e164} for this contact."
    )


def _timeline(runtime: Any, org: orgs.Org, contact_id: str) -> list[dict[str, Any]]:
    """What was sent to this contact in this organisation, oldest first (empty when nothing)."""
    try:
        found = contact_timelines(runtime, contact_id)
    except errors.InputError:
        return []
    steps: list[dict[str, Any]] = []
    for timeline in found:
        if timeline["contact"]["tenantId"] == org.tenant_id:
            steps += timeline["timeline"]
    return steps


def _written(phone: dict[str, Any]) -> str:
    """The phone as Xero holds it, for showing."""
    country = str(phone.get("PhoneCountryCode") or "").strip()
    parts = [
        f"+{country}" if country else "",
        str(phone.get("PhoneAreaCode") or ""),
        str(phone.get("PhoneNumber") or ""),
    ]
    return " ".join(part.strip() for part in parts if part.strip())


async def _target(page: Page) -> tuple[str, orgs.Org]:
    contact_id = str(page.path_params["contactId"])
    if not CONTACT_ID.match(contact_id):
        raise PageError(404, "No such contact", "That is not a contact id.")
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    if org is None:
        raise PageError(409, "No organisation", "Connect a Xero organisation first.")
    return contact_id, org


async def _contact(page: Page, contact_id: str, org: orgs.Org) -> dict[str, Any]:
    try:
        result = await invoke(page.web.executor, "getContact", {"contactId": contact_id}, org)
    except errors.UpstreamError as exc:
        if exc.status == 404:
            raise PageError(
                404, "No such contact", f"{org.label} has no contact {contact_id}."
            ) from None
        raise
    found = (result.get("data") or {}).get("Contacts") or []
    if not found or not isinstance(found[0], dict):
        raise PageError(404, "No such contact", f"{org.label} has no contact {contact_id}.")
    contact: dict[str, Any] = found[0]
    return contact
