"""``xero-wa doctor``'s WhatsApp going-live checks: signature secret, webhook, number, templates.

The configuration checks run through the CLI on a stored connection; the templates check runs
against the in-process sandbox, once with the shipped templates approved and once on a new
account (none created yet). The webhook's online check against a served service is in
``tests/replies/test_served_replies.py`` (``test_doctor_online_on_the_served_stack``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from component.clock import FakeClock
from component.config import Settings, get_settings
from component.doctor.whatsapp import (
    SUBMIT_FIX,
    number_check,
    numbers_described,
    templates_approved,
)
from component.oauth.manage import save_whatsapp
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import embedded
from tests.cli_support import CliOutcome
from tests.whatsapp.conftest import connection_values

Cli = Callable[..., CliOutcome]


def checks(outcome: CliOutcome) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in outcome.json["data"]["checks"]}


def store_number(**values: str) -> None:
    runtime = Runtime(settings=get_settings(), clock=FakeClock())
    save_whatsapp(runtime, "whatsapp", connection_values(**values))
    asyncio.run(runtime.aclose())


def test_without_a_number_the_doctor_says_to_connect_one(cli: Cli, cli_home: Path) -> None:
    found = checks(cli("doctor", "--json"))
    assert found["whatsapp"]["status"] == "warn"
    assert found["whatsapp"]["fix"] == "xero-wa connect whatsapp"


def test_without_webhooks_a_missing_secret_and_public_url_are_warnings(
    cli: Cli, cli_home: Path
) -> None:
    """Reminders from the command line need no webhook: the doctor warns, with the fixes."""
    store_number(appSecret="")
    outcome = cli("doctor", "--json")
    assert outcome.code == 0, outcome.out
    found = checks(outcome)
    secret = found["whatsapp signature secret"]
    assert secret["status"] == "warn"
    assert "every status and reply webhook is refused (401)" in secret["detail"]
    assert "WHATSAPP_APP_SECRET" in secret["fix"]
    hook = found["whatsapp webhook"]
    assert hook["status"] == "warn"
    assert "XERO_WA_PUBLIC_URL is not set" in hook["detail"]
    assert "verify-token" not in outcome.out  # no secret printed


def test_serving_webhooks_without_the_secret_fails(
    cli: Cli, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_WA_PUBLIC_URL", "https://pay.example.com")
    get_settings.cache_clear()
    store_number(appSecret="")
    outcome = cli("doctor", "--json")
    assert outcome.code == 12
    assert checks(outcome)["whatsapp signature secret"]["status"] == "fail"
    assert "FAIL whatsapp signature secret" in cli("doctor").out


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("http://example.com", "fail", "is not HTTPS: Meta saves only HTTPS callback URLs"),
        ("http://127.0.0.1:8000", "warn", "(fine for the sandbox on this machine)"),
        ("https://pay.example.com/", "ok", "register https://pay.example.com/webhooks/whatsapp"),
    ],
)
def test_the_callback_must_be_https(
    cli: Cli, cli_home: Path, monkeypatch: pytest.MonkeyPatch, url: str, status: str, words: str
) -> None:
    monkeypatch.setenv("XERO_WA_PUBLIC_URL", url)
    get_settings.cache_clear()
    store_number()
    found = checks(cli("doctor", "--json"))
    assert found["whatsapp signature secret"]["status"] == "ok"
    assert found["whatsapp webhook"]["status"] == status
    assert words in found["whatsapp webhook"]["detail"]


@pytest.mark.anyio
@pytest.mark.parametrize("account", ["approved", "new"])
async def test_templates_are_checked_against_the_account(
    tmp_path: Path, registry: Registry, account: str
) -> None:
    config = SandboxConfig()
    if account == "new":
        config.whatsapp.templates = []  # `xero-wa sandbox serve --no-templates`
    settings = Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]
    sandbox = embedded(settings, config=config)
    runtime = Runtime(settings=sandbox.settings, registry=registry, transport=sandbox.transport)
    values = dict(sandbox.demo_connections["whatsapp"])
    values.pop("type")
    save_whatsapp(runtime, "whatsapp", values)
    try:
        check = await templates_approved(runtime)
    finally:
        await runtime.aclose()
    if account == "approved":
        assert check.status == "ok", check.detail
        assert "approved, UTILITY, matching what is sent" in check.detail
    else:
        assert check.status == "fail"
        assert check.detail.startswith("invoice_new (en): does not exist on the WhatsApp account;")
        assert check.detail.endswith("more)")
        assert check.fix == SUBMIT_FIX


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("tier", "rate", "status", "words", "fix"),
    [
        (
            80,
            80.0,
            "ok",
            "Demo Company (IN) (+91 22 6150 0000): quality GREEN, throughput STANDARD "
            "(80 messages a second), WHATSAPP_MESSAGES_PER_SECOND=80",
            None,
        ),
        (
            1000,
            80.0,
            "warn",
            "it may send 1000 messages a second (HIGH) but WHATSAPP_MESSAGES_PER_SECOND=80",
            "set WHATSAPP_MESSAGES_PER_SECOND=1000",
        ),
        (
            80,
            250.0,
            "fail",
            "may send 80 messages a second (STANDARD) but WHATSAPP_MESSAGES_PER_SECOND=250: "
            "every send above its throughput is refused (130429)",
            "set WHATSAPP_MESSAGES_PER_SECOND=80",
        ),
    ],
)
async def test_the_send_rate_is_checked_against_the_numbers_throughput(
    tmp_path: Path,
    registry: Registry,
    tier: int,
    rate: float,
    status: str,
    words: str,
    fix: str | None,
) -> None:
    """Meta describes the number (``GET /{phone-number-id}``); the sandbox's number is on the
    1,000/s level when it is configured with that throughput."""
    config = SandboxConfig()
    config.whatsapp.throughput_per_second = tier
    settings = Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]
    sandbox = embedded(settings, config=config)
    paced = sandbox.settings.model_copy(update={"whatsapp_messages_per_second": rate})
    runtime = Runtime(settings=paced, registry=registry, transport=sandbox.transport)
    values = dict(sandbox.demo_connections["whatsapp"])
    values.pop("type")
    save_whatsapp(runtime, "whatsapp", values)
    try:
        (check,) = await numbers_described(runtime)
    finally:
        await runtime.aclose()
    assert check.name == "whatsapp number of WhatsApp account (online)"
    assert (check.status, check.fix) == (status, fix), check.detail
    assert words in check.detail
    asked = {k: n for k, n in sandbox.state.calls.calls.items() if k.endswith("{object_id}")}
    assert asked == {"GET /{version:graphversion}/{object_id}": 1}


def test_a_poor_quality_rating_and_an_unverified_number_are_warnings() -> None:
    check = number_check(
        "n",
        {
            "verified_name": "Acme",
            "display_phone_number": "+91 22 5555 0100",
            "quality_rating": "RED",
            "code_verification_status": "EXPIRED",
            "throughput": {"level": "STANDARD"},
        },
        80.0,
    )
    assert check.status == "warn"
    assert check.fix is None
    assert check.detail == (
        "Acme (+91 22 5555 0100): its quality rating is RED: customers block or report it; "
        "its code verification is EXPIRED"
    )


def test_a_provider_that_does_not_describe_numbers_is_not_a_failure() -> None:
    check = number_check("n", None, 80.0)
    assert (check.status, check.detail) == (
        "ok",
        "the provider does not describe its numbers; nothing to compare",
    )
