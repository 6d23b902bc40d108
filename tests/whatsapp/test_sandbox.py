"""The client against the in-process WhatsApp sandbox (real error codes, 80/s cap, pair rate).

Client and sandbox share one FakeClock, so "a second" is the same second for both, and the
sandbox's sliding one-second throughput counter judges exactly what the pacer let through.

Every test runs twice, once per provider profile: Meta's Cloud API (Bearer token, Graph paths)
and a Cloud-API-compatible provider (360dialog's layout: ``D360-API-KEY``, flat paths), the
sandbox playing that provider in front of the same number.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from component import errors
from component.clock import FakeClock
from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.whatsapp import WhatsAppConfig
from component.sandbox.whatsapp.provider import ProviderEmulation
from component.sandbox.whatsapp.standalone import BASE_URL, Standalone, standalone
from component.sessions import open_value
from component.values import Binary
from component.whatsapp import templates as t
from component.whatsapp.client import WhatsAppClient
from component.whatsapp.errors import WhatsAppAuthError, is_configuration_error

pytestmark = pytest.mark.anyio

CUSTOMER = "+919820012345"


@dataclass
class Harness:
    sandbox: Standalone
    runtime: Runtime
    client: WhatsAppClient
    clock: FakeClock

    def stats(self) -> dict[str, Any]:
        return self.sandbox.world.stats()


def connection(cfg: WhatsAppConfig, profile: str, token: str | None) -> dict[str, Any]:
    """The ``whatsappCloud`` value a user would store for ``profile``."""
    common = {
        "type": "whatsappCloud",
        "phoneNumberId": cfg.phone_number_id,
        "businessAccountId": cfg.business_account_id,
    }
    if profile == "meta":
        return {**common, "accessToken": token or cfg.access_token, "apiVersion": "v23.0"}
    provider = cfg.provider or ProviderEmulation()
    return {
        **common,
        "accessToken": token or provider.api_key,
        "provider": "compatible",
        "baseUrl": f"{BASE_URL}{provider.path_prefix}",
        "authHeader": provider.auth_header,
        "authScheme": provider.auth_scheme,
        "pathStyle": "flat",
        "webhookSignature": provider.webhook_signature,
        "webhookHeader": provider.webhook_header,
    }


async def harness(
    clock: FakeClock,
    registry: Registry,
    tmp_path: Path,
    config: WhatsAppConfig | None = None,
    token: str | None = None,
    profile: str = "meta",
    **settings: Any,
) -> Harness:
    config = config or WhatsAppConfig()
    if profile != "meta" and config.provider is None:
        config = config.model_copy(update={"provider": ProviderEmulation()})
    sandbox = standalone(clock, config)
    cfg = sandbox.world.config
    runtime = Runtime(
        settings=Settings(  # type: ignore[call-arg]
            _env_file=None, xero_wa_home=tmp_path / "home", whatsapp_api_url=BASE_URL, **settings
        ),
        registry=registry,
        clock=clock,
        transport=httpx.ASGITransport(app=sandbox.app),
    )
    session = await open_value(runtime, connection(cfg, profile, token))
    return Harness(sandbox, runtime, WhatsAppClient(runtime, session), clock)


@pytest.fixture(params=["meta", "360dialog"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def wa(
    clock: FakeClock, registry: Registry, tmp_path: Path, profile: str
) -> AsyncIterator[Harness]:
    h = await harness(clock, registry, tmp_path, profile=profile)
    yield h
    await h.runtime.aclose()


def reminder(invoice: str = "INV-0142") -> list[dict[str, Any]]:
    """payment_reminder_pdf's components, built with the builders the reminder job uses."""
    return t.components(
        header_params=[
            t.document(link=f"https://in.xero.com/{invoice}.pdf", filename=f"{invoice}.pdf")
        ],
        body_params=[
            t.text("Priya Textiles"),
            t.text(invoice),
            t.currency(Decimal("48500"), "INR", "en_IN"),
            t.date_time(date(2026, 7, 7), "en_IN"),
            t.text("7"),
        ],
        buttons=[t.url_button("iNv0142aBcD")],
    )


def multi() -> list[dict[str, Any]]:
    """payment_reminder_multi's components: name, total, which invoices, the pay-link button."""
    return t.components(
        body_params=[
            t.text("Priya Textiles"),
            t.currency(Decimal("120000"), "INR", "en_IN"),
            t.text("2 overdue (INV-0142, INV-0145) and 1 due soon (INV-0150)"),
        ],
        buttons=[t.url_button("iNv0142aBcD")],
    )


async def test_a_full_reminder_built_by_the_builders_is_accepted(wa: Harness) -> None:
    result = await wa.client.send_template(
        CUSTOMER, "payment_reminder_pdf", "en", reminder(), callback_data="reminder:INV-0142:7"
    )

    assert result.message_status == "accepted"
    assert result.wa_id == "919820012345"
    [sent] = wa.sandbox.world.message_list()
    assert sent["id"] == result.message_id
    assert sent["country_code_prepended"] is False
    assert sent["template"]["rendered_body"].startswith(
        "Hello Priya Textiles, invoice INV-0142 for ₹48,500.00 was due on 7 July 2026"
    )


async def test_named_parameters_are_accepted(wa: Harness) -> None:
    components = t.components(
        body_params=[
            t.text("Priya Textiles", name="party_name"),
            t.currency(Decimal("48500"), "INR", "en_IN", name="amount"),
            t.text("INV-0142", name="invoice_number"),
        ]
    )

    result = await wa.client.send_template(CUSTOMER, "payment_received", "en", components)

    assert result.message_status == "accepted"


async def test_a_burst_stays_at_the_cap_with_zero_130429(wa: Harness) -> None:
    recipients = [f"+9198200{n:05d}" for n in range(400)]
    start = wa.clock.monotonic()

    results = await asyncio.gather(
        *(wa.client.send_template(to, "payment_reminder_multi", "en", multi()) for to in recipients)
    )

    elapsed = wa.clock.monotonic() - start
    stats = wa.stats()
    assert len({r.message_id for r in results}) == 400
    assert stats["accepted"] == 400
    assert stats["rejected"] == {}
    rate = 400 / elapsed
    assert rate >= 0.9 * 80, f"{rate:.1f} messages/s"
    assert wa.client.pacer.stats.slowdowns == 0


async def test_a_rate_above_the_numbers_cap_is_slowed_down_by_130429(
    clock: FakeClock, registry: Registry, tmp_path: Path, profile: str
) -> None:
    """Configured for 200/s on a number capped at 80/s: Meta says 130429, sends still succeed."""
    h = await harness(clock, registry, tmp_path, profile=profile, whatsapp_messages_per_second=200)
    try:
        recipients = [f"+9198201{n:05d}" for n in range(200)]
        await asyncio.gather(
            *(
                h.client.send_template(to, "payment_reminder_multi", "en", multi())
                for to in recipients
            )
        )
    finally:
        await h.runtime.aclose()

    stats = h.stats()
    assert stats["accepted"] == 200
    assert stats["rejected"].get("130429", 0) > 0
    assert h.client.pacer.stats.slowdowns == stats["rejected"]["130429"]


async def test_131056_is_retried_after_a_paced_wait(
    clock: FakeClock, registry: Registry, tmp_path: Path, profile: str
) -> None:
    """The number's pair rule is stricter than ours (10 s): one 131056, then success."""
    config = WhatsAppConfig(pair_interval_seconds=10)
    h = await harness(clock, registry, tmp_path, config, profile=profile)
    try:
        h.sandbox.world.inbound("919820012345", "hi")
        first = await h.client.send_text(CUSTOMER, "one")
        start = clock.monotonic()
        second = await h.client.send_text(CUSTOMER, "two")
    finally:
        await h.runtime.aclose()

    assert first.message_id != second.message_id
    assert h.stats()["rejected"] == {"131056": 1}
    assert h.client.pacer.stats.pair_backoffs == 1
    assert clock.monotonic() - start >= 10


async def test_sends_to_one_recipient_are_spaced_so_the_pair_rate_is_never_hit(
    wa: Harness,
) -> None:
    wa.sandbox.world.inbound("919820012345", "hi")

    await asyncio.gather(*(wa.client.send_text(CUSTOMER, f"message {n}") for n in range(3)))

    assert wa.stats()["accepted"] == 3
    assert wa.stats()["rejected"] == {}


async def test_text_without_an_inbound_message_is_131047(
    clock: FakeClock, registry: Registry, tmp_path: Path, profile: str
) -> None:
    h = await harness(
        clock, registry, tmp_path, WhatsAppConfig(window_failure="sync"), profile=profile
    )
    try:
        with pytest.raises(errors.UpstreamError) as info:
            await h.client.send_text(CUSTOMER, "Your invoice is overdue")
        h.sandbox.world.inbound("919820012345", "Hello")
        accepted = await h.client.send_text(CUSTOMER, "Thanks for your message")
    finally:
        await h.runtime.aclose()

    assert info.value.info.upstream_code == 131047
    assert "send an approved template instead" in info.value.message
    assert accepted.message_status == "accepted"


async def test_a_pending_template_is_132001_a_configuration_error(wa: Harness) -> None:
    components = t.components(body_params=[t.text("Priya Textiles"), t.text("INV-0142")])

    with pytest.raises(errors.UpstreamError) as info:
        await wa.client.send_template(CUSTOMER, "payment_reminder_v2", "en", components)

    assert info.value.info.upstream_code == 132001
    assert info.value.message.startswith(
        "132001: template 'payment_reminder_v2' (en) does not exist or is not approved"
    )
    assert is_configuration_error(info.value)


async def test_a_wrong_parameter_count_is_132000(wa: Harness) -> None:
    with pytest.raises(errors.UpstreamError) as info:
        await wa.client.send_template(CUSTOMER, "payment_reminder_multi", "en", reminder())

    assert info.value.info.upstream_code in (132000, 132012)
    assert is_configuration_error(info.value)


async def test_a_wrong_token_is_a_connection_error(
    clock: FakeClock, registry: Registry, tmp_path: Path, profile: str
) -> None:
    h = await harness(clock, registry, tmp_path, token="not-the-token", profile=profile)
    try:
        with pytest.raises(WhatsAppAuthError) as info:
            await h.client.send_text(CUSTOMER, "hi")
    finally:
        await h.runtime.aclose()

    assert info.value.info.upstream_code == 190


async def test_an_uploaded_pdf_can_head_a_reminder(wa: Harness) -> None:
    media_id = await wa.client.upload_media(
        Binary(b"%PDF-1.4 invoice", "application/pdf", "INV-0142.pdf")
    )
    components = reminder()
    components[0] = t.header_document(media_id=media_id, filename="INV-0142.pdf")

    result = await wa.client.send_template(CUSTOMER, "payment_reminder_pdf", "en", components)

    assert result.message_status == "accepted"
    assert len(wa.sandbox.world.media) == 1


async def test_the_reminder_without_a_header(wa: Harness) -> None:
    result = await wa.client.send_template(CUSTOMER, "payment_reminder", "en", reminder()[1:])

    assert result.message_status == "accepted"


async def test_templates_are_listed_with_their_status(wa: Harness) -> None:
    found = await wa.client.list_templates()

    by_name = {(row["name"], row["language"]): row["status"] for row in found}
    assert by_name[("payment_reminder", "en")] == "APPROVED"
    assert by_name[("payment_reminder_v2", "en")] == "PENDING"
    assert {"invoice_new", "payment_received", "payment_reminder_multi"} <= {
        row["name"] for row in found
    }
