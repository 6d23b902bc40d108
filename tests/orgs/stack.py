"""The served product on the sandbox with three organisations, connected through the browser.

The sandbox shows its consent page; two people connect the same Xero app: the owner ticks the
Indian and New Zealand companies (connection ``owner``), the bookkeeper the New Zealand and
Australian ones (connection ``bookkeeper``). Two WhatsApp numbers of one business account are
stored (``wa-main``, ``wa-nz``); New Zealand sends from its own. No connection is given to the
service: everything is routed by tenant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from component.clock import FakeClock
from component.oauth.manage import save_whatsapp
from component.orgs.change import OrgChanges, apply_changes
from component.orgs.defaults import OrgDefaults
from component.sandbox.config import DemoConfig, SandboxConfig, TenantSpec
from component.sandbox.state import SandboxState
from component.service.config import ServiceConfig
from tests.service.conftest import API_KEY, BASE, Service

SECOND_NUMBER = "106540352242923"
IN, NZ, AU = "Demo Company (IN)", "Demo Company (NZ)", "Demo Company (AU)"
TENANTS = [
    TenantSpec(name="Demo Company (IN)", contacts=12, invoices=30),
    TenantSpec(
        name="Demo Company (NZ)",
        country="NZ",
        base_currency="NZD",
        timezone="NEWZEALANDSTANDARDTIME",
        other_currencies=["AUD"],
        tax_rate=0.15,
        contacts=12,
        invoices=30,
    ),
    TenantSpec(
        name="Demo Company (AU)",
        country="AU",
        base_currency="AUD",
        timezone="AUSEASTERNSTANDARDTIME",
        other_currencies=["USD"],
        tax_rate=0.10,
        contacts=12,
        invoices=30,
    ),
]


def sandbox_config() -> SandboxConfig:
    config = SandboxConfig(demo=DemoConfig(tenants=TENANTS))
    config.xero.consent = "page"
    config.xero.webhook_url = f"{BASE}/webhooks/xero"
    config.whatsapp.webhook_url = f"{BASE}/webhooks/whatsapp"
    config.whatsapp.other_phone_number_ids = [SECOND_NUMBER]
    config.whatsapp.status_timing.read_probability = 1.0
    return config


def service_config(sandbox: SandboxConfig, **changes: Any) -> ServiceConfig:
    values: dict[str, Any] = {
        "xero_webhook_key": sandbox.xero.webhook_key,
        "whatsapp_app_secret": sandbox.whatsapp.app_secret,
        "whatsapp_verify_token": sandbox.whatsapp.verify_token,
        "xero_client_id": sandbox.xero.client_id,
        "xero_client_secret": sandbox.xero.client_secret,
        "xero_wa_public_url": BASE,
        "xero_wa_worker": False,
        "xero_wa_scheduler": False,
        "xero_wa_poll_interval_seconds": 0,
        "xero_wa_tenant_refresh_seconds": 0,
        **changes,
    }
    return ServiceConfig(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class MultiStack:
    service: Service
    sandbox: SandboxState
    browser: httpx.AsyncClient  # the user's browser, on the sandbox's host
    clock: FakeClock

    def tenant(self, name: str) -> str:
        return next(o.tenant_id for o in self.sandbox.xero.orgs.values() if o.name == name)

    async def deliver(self) -> None:
        await self.sandbox.deliverer.drain()

    async def messages(self) -> list[dict[str, Any]]:
        answer = await self.browser.get("/_sandbox/whatsapp/messages")
        rows: list[dict[str, Any]] = answer.json()["messages"]
        return rows

    async def control(self, path: str, body: dict[str, Any], **params: str) -> Any:
        answer = await self.browser.post(f"/_sandbox{path}", json=body, params=params)
        assert answer.status_code < 300, answer.text
        return answer.json()

    async def connect(self, name: str, user: str, organisations: list[str]) -> httpx.Response:
        """The browser consent flow: the service's start → Xero's page → tick → callback."""
        start = await self.service.client.get(
            "/oauth/xero/start", params={"name": name, "api_key": API_KEY}
        )
        assert start.status_code == 302, start.text
        page = await self.browser.get(start.headers["location"])
        assert page.status_code == 200
        action = re.search(r"<form method='post' action='([^']+)'", page.text)
        assert action is not None
        boxes = dict(re.findall(r"value='([^']+)' checked> ([^<]+)</label>", page.text))
        ticked = [tenant for tenant, label in boxes.items() if label in organisations]
        assert len(ticked) == len(organisations)
        allowed = await self.browser.post(
            action.group(1).replace("&amp;", "&"),
            data={"user": user, "tenant": ticked, "action": "allow"},
        )
        assert allowed.status_code == 302, allowed.text
        back = allowed.headers["location"]
        assert back.startswith(f"{BASE}/oauth/xero/callback?")
        return await self.service.client.get(back)

    async def new_invoice(self, organisation: str, contact: str, phone: str) -> dict[str, Any]:
        tenant = self.tenant(organisation)
        person = {
            "Name": contact,
            "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": phone}],
        }
        made = await self.control("/xero/contacts", {"Contacts": [person]}, tenantId=tenant)
        invoice = {
            "Type": "ACCREC",
            "Contact": {"ContactID": made["Contacts"][0]["ContactID"]},
            "Status": "AUTHORISED",
            "Date": "2026-07-14",
            "DueDate": "2026-08-13",
            "LineItems": [{"Description": "Cotton", "Quantity": 1, "UnitAmount": 4850}],
        }
        body = await self.control("/xero/invoices", {"Invoices": [invoice]}, tenantId=tenant)
        created: dict[str, Any] = body["Invoices"][0]
        return created


async def connect_everything(stack: MultiStack) -> list[httpx.Response]:
    """Both logins through the browser, both WhatsApp numbers, each organisation its sender."""
    pages = [
        await stack.connect(
            "owner", "owner@acme.example", ["Demo Company (IN)", "Demo Company (NZ)"]
        ),
        await stack.connect(
            "bookkeeper", "books@firm.example", ["Demo Company (NZ)", "Demo Company (AU)"]
        ),
    ]
    runtime = stack.service.runtime
    wa = stack.sandbox.config.whatsapp
    values = {"accessToken": wa.access_token, "appSecret": wa.app_secret}
    save_whatsapp(runtime, "wa-main", {**values, "phoneNumberId": wa.phone_number_id})
    save_whatsapp(runtime, "wa-nz", {**values, "phoneNumberId": SECOND_NUMBER})
    defaults = OrgDefaults()
    for organisation, sender in (
        ("Demo Company (IN)", "wa-main"),
        ("Demo Company (NZ)", "wa-nz"),
        ("Demo Company (AU)", "wa-main"),
    ):
        apply_changes(runtime, defaults, organisation, OrgChanges(whatsapp_connection=sender))
    return pages
