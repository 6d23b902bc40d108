"""``/events`` (the webhook queue, replay) and ``/optouts`` (list, add, remove)."""

from __future__ import annotations

import pytest

from tests.web.conftest import Web, park_event

pytestmark = pytest.mark.anyio


async def test_parked_events_are_listed_with_their_error_and_replay(connected: Web) -> None:
    parked = park_event(connected, "inv-parked", "template invoice_new is not approved")
    page = await connected.client.get("/events")
    assert page.status_code == 200
    assert f'id="event-{parked}"' in page.text
    assert "template invoice_new is not approved" in page.text
    replayed = await connected.form_post("/events/replay", {"id": str(parked)}, page="/events")
    assert replayed.status_code == 200
    assert f"Event {parked} is queued again" in replayed.text
    event = connected.runtime.store.events.get(parked)
    assert event is not None
    assert event.state == "queued"
    assert event.attempts == 0
    again = await connected.form_post("/events/replay", {"id": str(parked)}, page="/events")
    assert again.status_code == 409


async def test_events_are_searchable_and_paged(connected: Web) -> None:
    for n in range(30):
        park_event(connected, f"inv-{n:02d}", "boom" if n % 2 else "other failure")
    first = await connected.client.get("/events")
    assert "Page 1 of 2 (30 in all)" in first.text
    second = await connected.form_post("/events", {"page": "2"}, page="/events")
    assert "Page 2 of 2" in second.text
    assert second.text.count('id="event-') == 5
    found = await connected.form_post("/events", {"q": "inv-07"}, page="/events")
    assert found.text.count('id="event-') == 1
    literal = await connected.form_post("/events", {"q": "%"}, page="/events")
    assert literal.text.count('id="event-') == 0


async def test_another_organisations_events_are_not_shown(connected: Web) -> None:
    park_event(connected, "inv-elsewhere", "boom", tenant_id="another-tenant")
    page = await connected.client.get("/events?state=all")
    assert "inv-elsewhere" not in page.text


async def test_junk_event_forms_are_4xx(connected: Web) -> None:
    for value in ("", "abc", "9" * 40, "-1"):
        response = await connected.form_post("/events/replay", {"id": value}, page="/events")
        assert 400 <= response.status_code < 500, value
    odd = await connected.client.get("/events?state=nonsense&page=-3&org=%00")
    assert odd.status_code == 200


async def test_opt_a_contact_and_a_number_out_and_back_in(connected: Web) -> None:
    added = await connected.form_post(
        "/optouts/add",
        {"kind": "contact", "subject": "C-1234", "reason": "asked by phone"},
        page="/optouts",
    )
    assert added.status_code == 200
    assert "gets no more reminders" in added.text
    tenant = connected.sandbox.state.xero.demo_tenant_id
    store = connected.runtime.store
    assert store.optouts.is_opted_out(tenant, "C-1234", None) is not None
    number = await connected.form_post(
        "/optouts/add", {"kind": "phone", "subject": "+91 98200 12345"}, page="/optouts"
    )
    assert "opted out of every organisation" in number.text
    assert store.optouts.is_opted_out("any", None, "+919820012345") is not None
    listed = (await connected.client.get("/optouts")).text
    assert "+919820012345" in listed
    assert "c-1234" in listed
    when = connected.clock.now()  # dated by the runtime's clock, not the wall clock
    assert listed.count(f"{when:%Y-%m-%d %H:%M}") == 2
    removed = await connected.form_post(
        "/optouts/remove", {"kind": "phone", "subject": "+919820012345"}, page="/optouts"
    )
    assert "Reminders are allowed again." in removed.text
    assert store.optouts.is_opted_out("any", None, "+919820012345") is None


async def test_a_bad_number_is_explained_beside_the_field(connected: Web) -> None:
    response = await connected.form_post(
        "/optouts/add", {"kind": "phone", "subject": "12"}, page="/optouts"
    )
    assert response.status_code == 400
    assert 'id="subject-error"' in response.text
    missing = await connected.form_post("/optouts/add", {"kind": "x"}, page="/optouts")
    assert 'id="kind-error"' in missing.text
    assert 'id="subject-error"' in missing.text


async def test_removing_what_is_not_there_is_a_404_page(connected: Web) -> None:
    response = await connected.form_post(
        "/optouts/remove", {"kind": "phone", "subject": "not a number"}, page="/optouts"
    )
    assert response.status_code == 404
