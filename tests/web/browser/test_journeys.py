"""Journeys through the web app in headless Chromium, against a live sandbox and service."""

from __future__ import annotations

import json
import re
from typing import Any

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
    page.get_by_role("button", name="Run", exact=True).last.click()  # nothing given
    page.wait_for_selector("#in-invoiceId-error")
    assert "required" in page.locator("#in-invoiceId-error").inner_text()
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
    journey.live.app.state.service.refresh_secrets()  # what the Connections page does on save


def test_connect_xero_through_the_sandbox_consent_page(journey: Journey) -> None:
    page = journey.page
    journey.sign_in("/connections")
    assert page.get_by_text("Nothing is connected yet.").is_visible()
    page.get_by_role("button", name="Connect Xero").click()
    page.wait_for_url(re.compile(r"/connections/xero/callback\?"))
    assert (
        page.get_by_role("status").first.inner_text().startswith("Xero connection 'xero' is ready")
    )
    row = page.locator("#conn-xero")
    assert "Xero (OAuth)" in row.inner_text()
    assert "Demo Company (IN)" in row.inner_text()
    assert "code=" not in page.evaluate("document.body.innerHTML")
    assert "Demo Company (NZ)" in row.inner_text()  # every organisation ticked at Xero
    page.get_by_role("button", name="Switch Demo Company (NZ) off").click()
    assert "Demo Company (NZ) is switched off" in page.get_by_role("status").inner_text()
    assert page.get_by_role("button", name="Switch Demo Company (NZ) on").is_visible()
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


def test_settle_a_review_item(journey: Journey) -> None:
    from component.storage.outbox_reads import Item

    connect_demo(journey)
    outbox = journey.live.runtime.store.outbox
    tenant = journey.live.banner["tenants"][0]["tenantId"]
    outbox.claim(
        "journey-review-1",
        kind="reminder",
        items=[Item(tenant, "INV-0010", "final")],
        contact_id="contact-1",
        recipient="+917387583543",
    )
    outbox.mark_sending("journey-review-1")
    outbox.mark_unknown("journey-review-1", "no answer from WhatsApp within 30 s")
    page = journey.page
    journey.sign_in("/review")
    card = page.locator("#review-1")
    assert "no answer from WhatsApp within 30 s" in card.inner_text()
    card.get_by_role("button", name="Settle").click()  # nothing chosen: errors beside the fields
    assert "choose sent or not sent" in page.locator("#review-1").inner_text()
    card = page.locator("#review-1")
    card.get_by_label("Sent (the customer has it)").check()
    card.get_by_label("How do you know?").fill("the customer's chat shows the reminder")
    journey.screenshot("-before")
    card.get_by_role("button", name="Settle").click()
    assert "Settled as sent" in page.get_by_role("status").inner_text()
    journey.screenshot()
    message = outbox.get("journey-review-1")
    assert message is not None
    assert message.state == "sent"
    assert message.error_message == (
        "settled as sent by owner: the customer's chat shows the reminder"
    )
    journey.assert_no_csp_violations()


def test_fix_a_contact_phone_and_see_it_in_xero(journey: Journey) -> None:
    connect_demo(journey)
    contacts = journey.live.xero('/Contacts?where=Name=="Ishaan Patel"')["Contacts"]
    contact_id = contacts[0]["ContactID"]
    page = journey.page
    journey.sign_in(f"/contacts/{contact_id}")
    assert "No number WhatsApp can use" in page.locator("#whatsapp-number").inner_text()
    page.get_by_label("Country code").fill("91")
    page.get_by_label("Mobile number").fill("98200 12345")
    page.get_by_role("button", name="Save to Xero").click()
    assert "+919820012345" in page.get_by_role("status").inner_text()
    assert page.locator("#whatsapp-number").inner_text() == "+919820012345"
    journey.screenshot()
    after = journey.live.xero(f"/Contacts/{contact_id}")["Contacts"][0]
    mobile = next(p for p in after["Phones"] if p["PhoneType"] == "MOBILE")
    assert (mobile["PhoneCountryCode"], mobile["PhoneNumber"]) == ("91", "98200 12345")
    journey.assert_no_csp_violations()


PAGES = (
    "/connections",
    "/events",
    "/optouts",
    "/review",
    "/playground",
    "/playground/createInvoice",
)


def test_every_page_reads_at_360_pixels_and_by_keyboard(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/playground")
    page.set_viewport_size({"width": 360, "height": 740})
    for path in PAGES:
        journey.go(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap, pre')))
                .slice(0, 5).map(e => `${e.tagName}.${e.className}#${e.id}`)"""
        )
        assert overflow <= 0, (path, wide)
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px"
        unlabeled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && !e.closest('[aria-hidden=true]'))
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name || e.id)"""
        )
        assert unlabeled == [], f"{path}: controls without a label: {unlabeled}"
    journey.go("/playground/getInvoice")
    journey.screenshot("-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    journey.go("/optouts")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, focus moves into the page's content"
    page.get_by_label("A contact of this organisation").focus()
    page.keyboard.press("ArrowDown")  # radio buttons move with the arrow keys
    assert page.get_by_label("A phone number (every organisation)").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("+61 412 345 678")
    page.keyboard.press("Enter")  # submits the form from the keyboard
    assert "opted out of every organisation" in page.get_by_role("status").inner_text()
    journey.screenshot()
    journey.assert_no_csp_violations()


def open_all_hours(page: Any) -> None:
    """Let the preview plan any day at any hour (the journey must not depend on the clock)."""
    page.get_by_label("Quiet hours from").fill("")
    page.get_by_label("Quiet hours until").fill("")
    for day in ("sat", "sun"):
        page.get_by_label(day, exact=True).check()


def test_opt_a_contact_out_and_see_the_next_dry_run_skip_it(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/policy")
    open_all_hours(page)
    page.get_by_role("button", name="Preview", exact=True).click()
    name = page.locator("#preview-messages > li strong").first.inner_text()
    contact = journey.live.xero(f'/Contacts?where=Name=="{name}"')["Contacts"][0]
    journey.go(f"/contacts/{contact['ContactID']}")
    page.get_by_label("Reason").fill("asked on the phone")
    page.get_by_role("button", name="Stop WhatsApp reminders").click()
    assert "no more WhatsApp reminders" in page.get_by_role("status").inner_text()
    journey.go("/policy")
    open_all_hours(page)
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator("#preview").inner_text()
    assert "opted out" in preview
    names = page.locator("#preview-messages > li strong").all_inner_texts()
    assert name not in names
    journey.screenshot()
    journey.assert_no_csp_violations()


def save_open_policy(journey: Journey) -> None:
    """On the policy page: any hour, any day; preview it, then save it."""
    page = journey.page
    open_all_hours(page)
    page.get_by_role("button", name="Preview", exact=True).click()
    # The preview is a form submission: wait for its answer to be on the page, not the old one.
    page.locator("#preview-messages > li").first.wait_for()
    open_all_hours(page)
    page.get_by_role("button", name="Save", exact=True).click()
    assert "uses this policy from its next run" in page.get_by_role("status").inner_text()


def test_edit_the_policy_preview_and_save(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/policy")
    page.get_by_label("Stage 3 name").fill("overdue_7")
    page.get_by_label("Days").nth(2).fill("next week")
    page.get_by_role("button", name="Preview", exact=True).click()
    assert "integer" in page.locator("#stages-2-days-error").inner_text()
    assert page.locator("#preview").count() == 0
    page.get_by_label("Days").nth(2).fill("8")
    save_open_policy(journey)
    journey.go("/policy")
    assert page.get_by_label("Days").nth(2).input_value() == "8"
    assert "days: 8" in page.get_by_label("Policy (the format of reminders.yaml)").input_value()
    journey.screenshot()
    journey.assert_no_csp_violations()


def send_now(journey: Journey) -> None:
    """Start a run from the dashboard and wait until the page (polling with htmx) shows its end."""
    page = journey.page
    before = page.locator("#last-run").inner_text()
    page.get_by_role("button", name="Send due reminders now").click()
    assert "Reminder run started" in page.get_by_role("status").inner_text()
    page.wait_for_function(
        r"""before => {
            const text = document.querySelector('#last-run').textContent;
            return text !== before && /\b(ok|attention|failed)\b/.test(text)
                && !text.includes('running');
        }""",
        arg=before,
        timeout=120_000,
    )


def test_dashboard_numbers_match_a_sandbox_run(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/policy")
    save_open_policy(journey)
    journey.go("/")
    assert page.locator('[data-figure="sent"]').inner_text() == "0"
    send_now(journey)
    last = page.locator("#last-run").inner_text()
    sent = int(re.search(r"(\d+) sent", last).group(1))  # type: ignore[union-attr]
    assert sent > 0
    messages = journey.live.sandbox("GET", "/whatsapp/messages")["messages"]
    assert len(messages) == sent
    run = journey.live.runtime.store.runs.list(job="reminders", limit=1)[0]
    invoices = int(run.summary["sentInvoices"])

    assert page.locator('[data-figure="sent"]').inner_text() == str(invoices)
    chart = page.locator("svg.chart desc").text_content() or ""
    assert chart.startswith(f"{sent} in all")
    every_run = journey.live.runtime.store.runs.list(limit=50)  # the previews' calls count too
    assert page.locator("#xero-calls").inner_text() == str(sum(r.xero_calls for r in every_run))
    # Meta's statuses: the sandbox delivers them to the service's /webhooks/whatsapp (signed)
    # once its clock passes their times (delivered after 3 s, read after 30 s for ~70%).
    journey.live.sandbox("POST", "/clock/advance", {"seconds": 60})
    delivered, read = delivered_and_read(journey)
    assert delivered > 0
    assert read > 0
    journey.go("/")
    assert page.locator('[data-figure="delivered"]').inner_text() == str(delivered)
    assert page.locator('[data-figure="read"]').inner_text() == str(read)
    journey.screenshot()
    journey.assert_no_csp_violations()


def delivered_and_read(journey: Journey) -> tuple[int, int]:
    """Invoices in reminders the sandbox says were delivered, and read (the funnel's units)."""
    outbox = journey.live.runtime.store.outbox
    delivered = read = 0
    for message in journey.live.sandbox("GET", "/whatsapp/messages")["messages"]:
        invoices = len(outbox.items_of(message["biz_opaque_callback_data"]))
        steps = {s["status"] for s in message["statuses"]}
        delivered += invoices if steps & {"delivered", "read"} else 0
        read += invoices if "read" in steps else 0
    return delivered, read


def test_open_an_invoice_timeline(journey: Journey) -> None:
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/policy")
    save_open_policy(journey)
    journey.go("/")
    send_now(journey)
    journey.go("/invoices")
    first = page.locator("#invoices tbody tr a").first
    number = first.inner_text()
    first.click()
    assert page.get_by_role("heading", name=f"Invoice {number}").is_visible()
    timeline = page.locator("#timeline").inner_text()
    assert "reminder sent" in timeline
    journey.screenshot()
    journey.assert_no_csp_violations()


def test_a_new_user_connects_everything_from_the_browser_and_sees_reminders(
    journey: Journey,
) -> None:
    """The issue's "done when": sign in, connect the sandbox's Xero (consent page) and WhatsApp
    from /connections, preview and save a policy, and see the reminders on the dashboard."""
    creds = journey.live.banner["credentials"]
    page = journey.page
    journey.sign_in("/")
    assert page.get_by_role("link", name="Connect Xero").is_visible()
    journey.go("/connections")
    page.get_by_role("button", name="Connect Xero").click()
    page.wait_for_url(re.compile(r"/connections/xero/callback\?"))
    assert "Demo Company (IN)" in page.locator("#conn-xero").inner_text()
    form = page.locator("form[action='/connections/whatsapp']")
    form.get_by_label("Access Token").fill(creds["whatsapp_access_token"])
    form.get_by_label("Phone Number ID").fill(creds["whatsapp_phone_number_id"])
    form.get_by_label("Business Account ID").fill(creds["whatsapp_business_account_id"])
    form.get_by_label("App Secret").fill(creds["whatsapp_app_secret"])
    form.get_by_label("Verify Token").fill(creds["whatsapp_verify_token"])
    form.get_by_role("button", name="Save WhatsApp connection").click()
    assert "WhatsApp connection 'whatsapp' is saved." in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Check whatsapp").click()
    assert "WhatsApp answers" in page.locator("#conn-whatsapp").inner_text()
    journey.go("/policy")
    save_open_policy(journey)
    journey.go("/")
    send_now(journey)
    sent = int(page.locator('[data-figure="sent"]').inner_text())
    assert sent > 0
    messages = journey.live.sandbox("GET", "/whatsapp/messages")["messages"]
    assert len(messages) > 0
    # The number saved on the page proves its status webhooks at once (no restart).
    journey.live.sandbox("POST", "/clock/advance", {"seconds": 60})
    journey.go("/")
    assert page.locator('[data-figure="delivered"]').inner_text() == str(
        delivered_and_read(journey)[0]
    )
    assert int(page.locator('[data-figure="delivered"]').inner_text()) > 0
    journey.screenshot()
    journey.assert_no_csp_violations()


def test_a_customer_reply_waits_on_review_until_marked_reviewed(journey: Journey) -> None:
    """A customer writes back to a reminder (through the sandbox, as WhatsApp would): the
    service records it, pauses the contact and lists it on /review until the owner marks it."""
    connect_demo(journey)
    page = journey.page
    journey.sign_in("/policy")
    save_open_policy(journey)
    journey.go("/")
    send_now(journey)
    first = journey.live.sandbox("GET", "/whatsapp/messages")["messages"][0]
    words = "I paid yesterday by UPI <ref 42>"
    journey.live.sandbox("POST", "/whatsapp/inbound", {"from": first["to"], "text": words})
    journey.live.sandbox("POST", "/whatsapp/statuses/flush")  # deliver the webhook now
    reply = journey.live.runtime.store.replies.to_review()[0]
    assert reply.text == words
    journey.go("/review")
    card = page.locator("#reply-1")
    assert words in card.locator("blockquote").inner_text()
    assert "reminders paused until" in card.inner_text()
    assert reply.contact_name
    assert reply.contact_name in card.inner_text()
    journey.screenshot("-before")
    card.get_by_role("button", name=re.compile("Mark the reply of .* reviewed")).click()
    assert "is marked reviewed" in page.get_by_role("status").inner_text()
    assert page.get_by_text("None: no customer reply is waiting.").is_visible()
    journey.screenshot()
    stored = journey.live.runtime.store.replies.get(reply.wamid)
    assert stored is not None
    assert stored.reviewed
    journey.assert_no_csp_violations()
