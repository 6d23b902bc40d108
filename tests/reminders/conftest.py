"""A small, hand-made organisation in the in-process sandbox, and a way to run the job on it.

Every test builds exactly the customers and invoices it talks about (through the sandbox's Xero
API, like a user would), so each rule is visible in the test. One FakeClock drives both the
sandbox and the runtime: Xero's 60/min limit and WhatsApp's pacing cost no real time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from component import sessions
from component.clock import FakeClock
from component.config import Settings
from component.registry import Registry
from component.reminders.policy import Policy, load_policy
from component.reminders.report import Report
from component.reminders.run import RunOptions, run_reminders
from component.runtime import Runtime
from component.sandbox.config import DemoConfig, SandboxConfig, TenantSpec
from component.sandbox.embedded import EmbeddedSandbox, embedded
from component.xero.client import XeroClient

#: Tuesday 14 July 2026, 11:30 in Mumbai: a business day, outside the default quiet hours.
NOW = datetime(2026, 7, 14, 6, 0, tzinfo=UTC)
TODAY = date(2026, 7, 14)


@dataclass
class World:
    """The sandbox, a runtime on it, and helpers to build data and run reminders."""

    sandbox: EmbeddedSandbox
    clock: FakeClock
    home: Path
    runtime: Runtime
    xero: sessions.Session
    whatsapp: sessions.Session
    runtimes: list[Runtime] = field(default_factory=list)

    @property
    def tenant_id(self) -> str:
        return str(self.sandbox.state.xero.demo_tenant_id)

    @property
    def client(self) -> XeroClient:
        return XeroClient(self.runtime, self.xero)

    async def customer(self, name: str, mobile: str | None = "98200 12345", **extra: Any) -> str:
        phones = [{"PhoneType": "MOBILE", "PhoneNumber": mobile}] if mobile else []
        body = {"Contacts": [{"Name": name, "Phones": phones, **extra}]}
        answer = await self.write("PUT", "/Contacts", body)
        return str(answer["Contacts"][0]["ContactID"])

    async def invoice(
        self,
        contact_id: str,
        amount: str | float,
        due: date,
        *,
        currency: str = "INR",
        status: str = "AUTHORISED",
    ) -> str:
        line = {
            "Description": "Work",
            "Quantity": 1,
            "UnitAmount": float(amount),
            "AccountCode": "200",
        }
        body = {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "Status": status,
                    "Date": (due - timedelta(days=30)).isoformat(),
                    "DueDate": due.isoformat(),
                    "CurrencyCode": currency,
                    "LineAmountTypes": "NoTax",
                    "LineItems": [line],
                }
            ]
        }
        answer = await self.write("PUT", "/Invoices", body)
        return str(answer["Invoices"][0]["InvoiceID"])

    async def write(self, method: str, path: str, body: dict[str, Any]) -> Any:
        response = await self.client.request(method, path, json=body)
        return response.json()

    def messages(self) -> list[dict[str, Any]]:
        """Every message the WhatsApp sandbox accepted, as ``GET /_sandbox/whatsapp/messages``."""
        rows: list[dict[str, Any]] = self.sandbox.state.whatsapp.message_list()
        return rows

    async def run(self, policy: Policy | None = None, **options: Any) -> Report:
        return await run_reminders(
            self.runtime,
            self.xero,
            self.whatsapp,
            RunOptions(policy or make_policy(), **options),
        )

    async def restart(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        """A new process: a fresh runtime (and store handle) on the same state and sandbox."""
        await self.runtime.aclose()
        self.runtime = Runtime(
            settings=self.sandbox.settings,
            registry=self.runtime.registry,
            transport=transport or self.sandbox.transport,
            clock=self.sandbox.clock,
        )
        self.runtimes.append(self.runtime)
        connections = self.sandbox.demo_connections
        self.xero = await sessions.resolve(self.runtime, connections["xero"], "xero")
        self.whatsapp = await sessions.resolve(self.runtime, connections["whatsapp"], "whatsapp")


def make_policy(**changes: Any) -> Policy:
    """The shipped policy without the opt-out group (the sandbox has no contact groups)."""
    base = load_policy()
    data = base.model_dump(by_alias=True)
    data["optOut"]["contactGroup"] = None
    for key, value in changes.items():
        data[key] = value
    return Policy.model_validate(data)


def sandbox_config(**whatsapp: Any) -> SandboxConfig:
    config = SandboxConfig(
        demo=DemoConfig(
            today=TODAY, tenants=[TenantSpec(name="Test Traders (IN)", contacts=0, invoices=0)]
        )
    )
    # the demo token is an inline access token (no refresh): let it outlive tests that jump weeks
    config.xero.access_token_seconds = 400 * 86_400
    for key, value in whatsapp.items():
        setattr(config.whatsapp, key, value)
    return config


@pytest.fixture
def wa_config() -> dict[str, Any]:
    """Overrides of the WhatsApp sandbox's configuration (tests replace this fixture)."""
    return {}


@pytest.fixture
async def world(
    tmp_path: Path, settings: Settings, wa_config: dict[str, Any], registry: Registry
) -> AsyncIterator[World]:
    """The sandbox and a runtime on ``settings`` (a module that takes the both-backend fixture,
    tests/storage/postgres_backends.py, runs on PostgreSQL too)."""
    clock = FakeClock(NOW)
    sandbox = embedded(settings, clock=clock, config=sandbox_config(**wa_config))
    runtime = Runtime(
        settings=sandbox.settings,
        registry=registry,
        transport=sandbox.transport,
        clock=sandbox.clock,
    )
    xero = await sessions.resolve(runtime, sandbox.demo_connections["xero"], "xero")
    whatsapp = await sessions.resolve(runtime, sandbox.demo_connections["whatsapp"], "whatsapp")
    w = World(sandbox, clock, tmp_path / "home", runtime, xero, whatsapp, [runtime])
    yield w
    await w.runtime.aclose()
