"""``/events``: the organisation's webhook queue (queued, working, parked, done) with replay.

A parked event is one that kept failing; after fixing its cause (a connection, a template),
replay queues it again, due now, and wakes the worker.
"""

from __future__ import annotations

from starlette.responses import Response

from component.storage import listings
from component.storage.events import STATES
from component.web import orgs
from component.web.page import Page, choose

SHOWN = ("parked", "queued", "working", "done", "all")


async def show(page: Page, notice: str = "", error: str = "", status: int = 200) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    state = choose(SHOWN, page.value("state"), "parked")
    search = page.value("q")[: listings.MAX_SEARCH]
    number = page.number("page")
    rows = None
    counts: dict[str, int] = {}
    if org is not None:
        states = STATES if state == "all" else (state,)
        rows = await page.db(
            listings.events, page.web.runtime.store, org.tenant_id, states, search, number
        )
        counts = await page.db(page.web.runtime.store.events.counts)
    return page.render(
        "events.html",
        status,
        orgs=known,
        org=org,
        state=state,
        states=SHOWN,
        q=search,
        rows=rows,
        counts=counts,
        notice=notice,
        error=error,
    )


async def replay(page: Page) -> Response:
    text = page.value("id")
    if not text.isdigit() or len(text) > 18:
        return await show(page, error="Choose an event to replay.", status=400)
    runtime = page.web.runtime
    event = await page.db(runtime.store.events.replay, int(text), runtime.clock.now())
    if event is None:
        return await show(
            page, error=f"Event {text} is not parked or done, so it cannot be replayed.", status=409
        )
    page.web.service.wake_worker()
    return await show(page, notice=f"Event {text} is queued again and will be processed now.")
