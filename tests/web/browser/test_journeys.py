"""Journeys through the web app in headless Chromium, against a live sandbox and service."""

from __future__ import annotations

import json
import re

from tests.web.browser.conftest import Journey


def test_sign_in(journey: Journey) -> None:
    page = journey.page
    journey.go("/playground")
    assert "/login?next=/playground" in page.url
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The username or password is not right."
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/playground$"))
    assert page.get_by_role("heading", name="Playground").is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["xwa_session"]["httpOnly"]
    assert cookies["xwa_session"]["sameSite"] == "Lax"
    journey.screenshot()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    journey.go("/playground")
    assert "/login" in page.url
    journey.assert_no_csp_violations()


def test_playground_get_invoice_with_a_picklist(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/playground/getInvoice")
    page.get_by_label("Search Invoice ID in Xero").fill("INV-0003")
    pick = page.get_by_label("Choose Invoice ID (used when the box above is empty)")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#in-invoiceId-pick option')]"
        ".every(o => !o.value || o.textContent.startsWith('INV-0003'))"
    )
    label = pick.locator("option").nth(1).inner_text()
    assert label.startswith("INV-0003")
    pick.select_option(label=label)
    page.get_by_role("button", name="Run", exact=True).last.click()
    page.wait_for_function("() => document.getElementById('result').textContent.length > 0")
    data = json.loads(page.locator("#result").inner_text())
    assert data["data"]["Invoices"][0]["InvoiceNumber"] == "INV-0003"
    assert (
        "xero-wa run getInvoice --connection xero -i invoiceId="
        in page.locator("#command").inner_text()
    )
    journey.screenshot()
    journey.assert_no_csp_violations()


def connect_demo(journey: Journey) -> None:
    """Store the sandbox's custom connection and WhatsApp number, as the connections page would."""
    from component.oauth.manage import connect_client_credentials, save_whatsapp

    creds = journey.live.banner["credentials"]
    runtime = journey.live.runtime

    async def connect() -> None:
        await connect_client_credentials(
            runtime,
            "xero",
            {
                "clientId": creds["xero_client_id"],
                "clientSecret": creds["xero_client_secret"],
                "scopes": "accounting.transactions accounting.contacts accounting.settings",
            },
        )

    journey.live.run(connect)
    save_whatsapp(
        runtime,
        "whatsapp",
        {
            "accessToken": creds["whatsapp_access_token"],
            "phoneNumberId": creds["whatsapp_phone_number_id"],
            "appSecret": creds["whatsapp_app_secret"],
            "verifyToken": creds["whatsapp_verify_token"],
        },
    )


def test_connect_xero_through_the_sandbox_consent_page(journey: Journey) -> None:
    page = journey.page
    journey.sign_in("/connections")
    assert page.get_by_text("Nothing is connected yet.").is_visible()
    page.get_by_label("Only this organisation (optional)").fill("Demo Company (IN)")
    page.get_by_role("button", name="Connect Xero").click()
    page.wait_for_url(re.compile(r"/connections/xero/callback\?"))
    assert (
        page.get_by_role("status").first.inner_text().startswith("Xero connection 'xero' is ready")
    )
    row = page.locator("#conn-xero")
    assert "Xero (OAuth)" in row.inner_text()
    assert "Demo Company (IN)" in row.inner_text()
    assert "code=" not in page.evaluate("document.body.innerHTML")
    journey.screenshot()
    page.get_by_role("button", name="Check xero").click()
    assert "Xero answers; organisations reached:" in page.locator("#conn-xero").inner_text()
    journey.assert_no_csp_violations()


def test_replay_a_parked_event(journey: Journey) -> None:
    from component.storage.events import NewEvent

    connect_demo(journey)
    store = journey.live.runtime.store
    tenant = journey.live.banner["tenants"][0]["tenantId"]
    now = journey.live.runtime.clock.now()
    store.events.enqueue(
        [NewEvent(tenant, "INVOICE", "no-such-invoice", "UPDATE", "2026-11-30T08:00:00.000")], now
    )
    (event,) = store.events.claim("journey", now, 60, 1)
    store.events.park(event.id, "journey", "Xero: the invoice does not exist", now)
    page = journey.page
    journey.sign_in("/events")
    row = page.locator(f"#event-{event.id}")
    assert "Xero: the invoice does not exist" in row.inner_text()
    row.get_by_role("button", name=f"Replay event {event.id}").click()
    assert f"Event {event.id} is queued again" in page.get_by_role("status").inner_text()
    journey.screenshot()
    replayed = store.events.get(event.id)
    assert replayed is not None
    assert replayed.state in ("queued", "working", "done", "parked")
    assert replayed.attempts <= 1
    journey.assert_no_csp_violations()
