"""``embedded(settings)``: the in-process sandbox behind ``--sandbox``."""

from __future__ import annotations

import argparse
from datetime import date

import httpx
import pytest

from component.clock import FakeClock
from component.config import SANDBOX_BASE, Settings
from component.executor import Executor
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import embedded

pytestmark = pytest.mark.anyio


def test_settings_point_every_service_at_the_sandbox(settings: Settings) -> None:
    sandbox = embedded(settings, clock=FakeClock())
    s = sandbox.settings
    assert s.xero_api_url == f"{SANDBOX_BASE}/api.xro/2.0"
    assert s.xero_token_url == f"{SANDBOX_BASE}/connect/token"
    assert s.xero_connections_url == f"{SANDBOX_BASE}/connections"
    assert s.xero_authorize_url == f"{SANDBOX_BASE}/identity/connect/authorize"
    assert s.whatsapp_api_url == SANDBOX_BASE
    assert isinstance(sandbox.transport, httpx.ASGITransport)


def test_a_demo_connection_is_made_once_and_only_for_its_family(settings: Settings) -> None:
    """Asking for the Xero connection makes no WhatsApp one; each is then kept, so the demo's
    connections and a later single ask hand out the same values."""
    sandbox = embedded(settings, clock=FakeClock())
    xero = sandbox.demo_connection("xero")
    assert set(sandbox._made) == {"xero"}
    both = sandbox.demo_connections
    assert both["xero"] is xero
    assert sandbox.demo_connection("whatsapp") is both["whatsapp"]
    assert sandbox.demo_connection("email") is None


def test_demo_connections_have_the_agreed_shapes(settings: Settings) -> None:
    sandbox = embedded(settings, clock=FakeClock())
    xero, whatsapp = sandbox.demo_connections["xero"], sandbox.demo_connections["whatsapp"]
    assert xero == {
        "type": "xeroClientCredentials",
        "clientId": sandbox.state.config.xero.client_id,
        "clientSecret": sandbox.state.config.xero.client_secret,
        "scopes": "accounting.attachments accounting.contacts accounting.invoices "
        "accounting.payments accounting.settings accounting.transactions",
    }
    assert whatsapp == {
        "type": "whatsappCloud",
        "accessToken": sandbox.state.config.whatsapp.access_token,
        "phoneNumberId": sandbox.state.config.whatsapp.phone_number_id,
        "businessAccountId": sandbox.state.config.whatsapp.business_account_id,
        "appSecret": sandbox.state.config.whatsapp.app_secret,
        "verifyToken": sandbox.state.config.whatsapp.verify_token,
        "apiVersion": "v23.0",
    }


def test_demo_data_is_the_same_every_run(settings: Settings) -> None:
    config = SandboxConfig()
    config.demo.today = date(2026, 6, 23)
    first = embedded(settings, config=config)
    second = embedded(settings, config=SandboxConfig.model_validate(config.model_dump()))
    assert first.state.xero.demo_tenant_id == second.state.xero.demo_tenant_id
    one = first.state.xero.orgs[first.state.xero.demo_tenant_id]
    two = second.state.xero.orgs[second.state.xero.demo_tenant_id]
    assert list(one.invoices) == list(two.invoices)
    assert [i.total for i in one.invoices.values()] == [i.total for i in two.invoices.values()]


async def test_the_demo_connection_outlives_its_30_minute_token(
    settings: Settings, registry: Registry
) -> None:
    """The shared clock expires the first token; the custom connection simply fetches another."""
    clock = FakeClock()
    sandbox = embedded(settings, clock=clock)
    runtime = Runtime(
        settings=sandbox.settings,
        transport=sandbox.transport,
        clock=sandbox.clock,
        registry=registry,
    )
    try:
        executor = Executor(runtime)
        conn = sandbox.demo_connections["xero"]
        first = await executor.invoke("getOrganisation", {}, conn)
        assert first["data"]["Organisations"][0]["BaseCurrency"] == "INR"
        clock.advance(1800)
        again = await executor.invoke("getOrganisation", {}, conn)
        assert again["data"]["Organisations"][0]["BaseCurrency"] == "INR"
        assert sandbox.state.xero.tokens.grants["client_credentials"] == 2
    finally:
        await runtime.aclose()


async def test_actions_run_against_the_embedded_sandbox(
    settings: Settings, registry: Registry
) -> None:
    sandbox = embedded(settings, clock=FakeClock())
    runtime = Runtime(
        settings=sandbox.settings,
        transport=sandbox.transport,
        clock=sandbox.clock,
        registry=registry,
    )
    try:
        executor = Executor(runtime)
        conn = sandbox.demo_connections["xero"]
        org = await executor.invoke("getOrganisation", {}, conn)
        assert org["data"]["Organisations"][0]["Name"] == "Demo Company (IN)"
        listed = await executor.invoke("listInvoices", {"fetchAll": True}, conn)
        invoices = (
            listed["data"]["Invoices"] if isinstance(listed["data"], dict) else listed["data"]
        )
        assert len(invoices) == 240
    finally:
        await runtime.aclose()


def test_cli_sandbox_flag_builds_a_runtime_with_default_connections() -> None:
    from component.cli.app import build

    cli = build(argparse.Namespace(sandbox=True))
    assert cli.runtime.settings.xero_api_url == f"{SANDBOX_BASE}/api.xro/2.0"
    assert cli.default_for("xero") is not None
    assert cli.default_for("whatsapp") is not None


def test_the_cli_runtime_makes_the_family_asked_for() -> None:
    """``run --sandbox`` asks for its action's family only (that the WhatsApp side is then not
    even imported is tested in tests/cli/test_startup_imports.py)."""
    from component.cli.app import build

    cli = build(argparse.Namespace(sandbox=True))
    xero = cli.default_for("xero")
    assert xero is not None
    assert xero["type"] == "xeroClientCredentials"
    assert cli.default_for(None) is None
    assert cli.default_for("nothing") is None
    whatsapp = cli.default_for("whatsapp")
    assert whatsapp is not None
    assert whatsapp["type"] == "whatsappCloud"


def test_one_demo_connection_is_that_family_of_all_of_them(settings: Settings) -> None:
    sandbox = embedded(settings)
    xero, whatsapp = sandbox.demo_connection("xero"), sandbox.demo_connection("whatsapp")
    assert sandbox.demo_connections == {"xero": xero, "whatsapp": whatsapp}
    assert sandbox.demo_connection("whatsapp") is sandbox.demo_connections["whatsapp"]
    assert sandbox.demo_connection("nothing") is None


def test_sandbox_config_reads_dumps_and_fails_as_a_whatsapp_typed_field() -> None:
    """``whatsapp`` is made on first use, yet reads, dumps, round-trips and fails as before."""
    from pydantic import ValidationError

    from component.sandbox.config import SandboxConfig
    from component.sandbox.whatsapp import WhatsAppConfig

    config = SandboxConfig()
    assert config.model_fields_set == set()
    dumped = config.model_dump()
    assert dumped["whatsapp"] == WhatsAppConfig().model_dump()
    assert list(dumped) == ["base_url", "xero", "limits", "faults", "demo", "whatsapp"]
    assert config.model_fields_set == set()  # making the default does not set it
    assert config.whatsapp is config.whatsapp  # made once, then kept (and shared)
    config.whatsapp.access_token = "changed"
    again = SandboxConfig.model_validate(config.model_dump())
    assert again.whatsapp.access_token == "changed"
    given = WhatsAppConfig(phone_number_id="123")
    assert SandboxConfig(whatsapp=given).whatsapp is given
    with pytest.raises(ValidationError) as failed:
        SandboxConfig.model_validate(
            {"whatsapp": {"templates": [{"name": "BAD", "body_text": "x"}], "zz": 1}}
        )
    assert [(e["loc"], e["type"]) for e in failed.value.errors()] == [
        (("whatsapp", "templates", 0, "name"), "string_pattern_mismatch"),
        (("whatsapp", "zz"), "extra_forbidden"),
    ]
    with pytest.raises(ValidationError) as failed:
        SandboxConfig.model_validate({"whatsapp": None})
    assert [(e["loc"], e["type"]) for e in failed.value.errors()] == [(("whatsapp",), "model_type")]
    with pytest.raises(ValidationError) as failed:
        SandboxConfig.model_validate({"whatsapp_given": {}})
    assert failed.value.errors()[0]["type"] == "extra_forbidden"
