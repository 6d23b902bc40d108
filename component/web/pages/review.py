"""``/review``: what needs the owner: customers' replies, unknown outcomes, parked events,
configuration problems.

A customer's message (``component.replies``) has already paused the contact's reminders and
been forwarded to the owner's WhatsApp; it stays on this page until the owner marks it reviewed,
so an answer ("paid yesterday", "can I pay next week?") is never lost in a chat. Messages from
numbers that matched no organisation are listed on every organisation's page: only the owner
can tell who wrote them.

A reminder whose outcome is unknown (the process died, or the network failed after the request
left) is never resent blindly; its status webhook settles it when one arrives. Otherwise the
owner looks at the customer's chat and settles it here, as sent (never resent) or not sent (a
later run may send it), with the reason recorded.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from component.oauth.manage import list_connections
from component.storage import listings
from component.web import orgs
from component.web.page import Page

REASON_MAX = 300
#: What a reply's intent (``component.replies.intents``) means, in the owner's words.
INTENTS = {
    "paid": "tapped Paid already",
    "more_time": "tapped Need more time",
    "stop": "asked to stop reminders",
    "text": "wrote",
}


async def show(
    page: Page, *, notice: str = "", errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    unknown = parked = replies = None
    items: dict[str, list[Any]] = {}
    numbers: dict[str, str] = {}
    if org is not None:
        replies = await page.db(
            listings.replies_to_review, runtime.store, org.tenant_id, page.number("replies_page")
        )
        numbers = await page.db(_invoice_numbers, page, org.tenant_id, replies.items)
        unknown = await page.db(
            listings.under_review, runtime.store, org.tenant_id, page.number("page")
        )
        for message in unknown.items:
            items[message.key] = await page.db(runtime.store.outbox.items_of, message.key)
        parked = await page.db(listings.events, runtime.store, org.tenant_id, ("parked",), "", 1, 5)
    return page.render(
        "review.html",
        status,
        orgs=known,
        org=org,
        unknown=unknown,
        items=items,
        replies=replies,
        numbers=numbers,
        intents=INTENTS,
        parked=parked,
        problems=await page.db(configuration_problems, page, org),
        notice=notice,
        errors=errors or {},
    )


async def settle(page: Page) -> Response:
    key = page.value("key")[:200]
    verdict = page.value("verdict")
    reason = page.value("reason")[:REASON_MAX]
    problems = {}
    if verdict not in ("sent", "not_sent"):
        problems[f"verdict-{key}"] = "choose sent or not sent"
    if not reason:
        problems[f"reason-{key}"] = "say how you know (e.g. 'the customer's chat shows it')"
    if problems:
        return await show(page, errors=problems, status=400)
    assert page.session is not None
    who, outbox = page.session.username, page.web.runtime.store.outbox
    done = await page.db(lambda: outbox.settle(key, sent=verdict == "sent", reason=reason, by=who))
    if not done:
        return await show(page, errors={"settle": "That reminder was already settled."}, status=409)
    words = (
        "sent: it will not be sent again"
        if verdict == "sent"
        else "not sent: a later run may send it"
    )
    return await show(page, notice=f"Settled as {words}.")


async def reviewed(page: Page) -> Response:
    """Mark one customer message reviewed: it leaves the list (the contact's timeline keeps it).

    Only a message of the organisation shown, or one matched to no organisation, may be marked
    from its page, so a stale form can never touch another organisation's list."""
    wamid = page.value("wamid")[:200]
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    reply = await page.db(runtime.store.replies.get, wamid) if wamid else None
    if reply is None or org is None or reply.tenant_id not in (org.tenant_id, ""):
        return await show(page, errors={"reply": "That message is not on this list."}, status=404)
    if reply.reviewed:
        return await show(page, notice="That message was already marked reviewed.")
    await page.db(runtime.store.replies.mark_reviewed, wamid)
    who = reply.contact_name or reply.phone or reply.username or reply.user_id or "the customer"
    return await show(page, notice=f"The message from {who} is marked reviewed.")


def _invoice_numbers(page: Page, tenant_id: str, replies: list[Any]) -> dict[str, str]:
    """Invoice id → number for the invoices the listed replies answer (ids when unknown)."""
    facts = page.web.runtime.store.invoice_facts
    out: dict[str, str] = {}
    for reply in replies:
        for invoice_id in reply.invoice_ids:
            fact = facts.get(reply.tenant_id or tenant_id, invoice_id)
            out[invoice_id] = (fact.number if fact else None) or invoice_id
    return out


def configuration_problems(page: Page, org: orgs.Org | None) -> list[dict[str, str]]:
    """The organisation's own problems (``component.orgs.view``: connections, policy, time
    zone...), then connections that need the owner and what is missing altogether."""
    out = [
        {"what": p.message, "fix": p.fix or ""}
        for p in (org.problems if org is not None else ())
        if p.code != "parked_events"
    ]
    rows = list_connections(page.web.runtime)
    out += [
        {
            "what": f"Connection {row['name']!r}: {row.get('problem') or row['status']}",
            "fix": "Reconnect it on the Connections page.",
        }
        for row in rows
        if row.get("status") not in (None, "active")
    ]
    if not any(row["family"] == "whatsapp" for row in rows):
        out.append(
            {
                "what": "No WhatsApp number is connected: nothing can be sent.",
                "fix": "Add one on the Connections page.",
            }
        )
    if not any(row["family"] == "xero" for row in rows):
        out.append(
            {
                "what": "No Xero organisation is connected.",
                "fix": "Connect Xero on the Connections page.",
            }
        )
    return out
