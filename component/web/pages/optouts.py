"""``/optouts``: who gets no WhatsApp reminders; add and remove.

Two kinds, as the store keeps them: a contact of this organisation (by ContactID, for a customer
who asked by another channel), or a phone number (a STOP reply; applies to every organisation).
Phone numbers travel only in form bodies, never in a URL.
"""

from __future__ import annotations

from starlette.responses import Response

from component import phones
from component.storage import listings
from component.web import orgs
from component.web.page import Page, choose

KINDS = ("contact", "phone")
SOURCE = "web"


async def show(
    page: Page,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    search = page.value("q")[: listings.MAX_SEARCH]
    rows = None
    if org is not None:
        rows = await page.db(
            listings.optouts, page.web.runtime.store, org.tenant_id, search, page.number("page")
        )
    return page.render(
        "optouts.html",
        status,
        orgs=known,
        org=org,
        rows=rows,
        q=search,
        notice=notice,
        errors=errors or {},
        kinds=KINDS,
    )


async def add(page: Page) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    kind = choose(KINDS, page.value("kind"), "")
    subject = page.value("subject")[:100]
    reason = page.value("reason")[:200] or "asked not to get WhatsApp reminders"
    problems: dict[str, str] = {}
    if not kind:
        problems["kind"] = "choose a contact or a phone number"
    if not subject:
        problems["subject"] = "enter the ContactID or the phone number"
    store = page.web.runtime.store
    if not problems and kind == "phone":
        try:
            subject = phones.normalise_recipient(subject, default_region=_region(page))
        except ValueError as exc:
            problems["subject"] = str(exc)
    if not problems and kind == "contact" and org is None:
        problems["org"] = "connect an organisation first"
    if problems:
        return await show(page, errors=problems, status=400)
    if kind == "phone":
        await page.db(lambda: store.optouts.add_phone(subject, reason=reason, source=SOURCE))
        return await show(page, notice="The number is opted out of every organisation's reminders.")
    assert org is not None
    await page.db(
        lambda: store.optouts.add_contact(org.tenant_id, subject, reason=reason, source=SOURCE)
    )
    return await show(page, notice=f"Contact {subject} gets no more reminders from {org.label}.")


async def remove(page: Page) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    kind = choose(KINDS, page.value("kind"), "")
    subject = page.value("subject")[:100]
    store = page.web.runtime.store
    removed = False
    if kind == "phone" and subject:
        try:
            removed = await page.db(store.optouts.remove_phone, subject)
        except ValueError:
            removed = False
    elif kind == "contact" and subject and org is not None:
        removed = await page.db(store.optouts.remove_contact, org.tenant_id, subject)
    if not removed:
        return await show(
            page, errors={"remove": "That opt-out does not exist (any more)."}, status=404
        )
    return await show(page, notice="Reminders are allowed again.")


def _region(page: Page) -> str:
    return phones.default_region(page.web.runtime.settings.default_phone_region, None)
