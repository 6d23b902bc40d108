"""Fixtures for the web app's server-side tests: the service app on the in-process sandbox.

``web`` is the service (worker off) whose runtime talks to the in-process sandbox, with one owner
account (``OWNER`` / ``PASSWORD``); ``signed_in`` is a client holding that owner's session.
``connected`` also stores the sandbox's demo Xero (custom connection) and WhatsApp connections,
as ``/connections`` or ``xero-wa connect`` would.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from component.clock import FakeClock
from component.config import Settings
from component.oauth.manage import connect_client_credentials, save_whatsapp
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.embedded import EmbeddedSandbox, embedded
from component.service.app import create_app
from component.service.config import ServiceConfig
from component.web import passwords

BASE = "http://web.test"
OWNER = "owner"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


@dataclass
class Web:
    app: Starlette
    runtime: Runtime
    sandbox: EmbeddedSandbox
    client: httpx.AsyncClient
    clock: FakeClock

    def new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)

    async def sign_in(self, client: httpx.AsyncClient | None = None, **form: str) -> httpx.Response:
        client = client or self.client
        page = await client.get("/login")
        data = {"csrf_token": csrf_of(page.text), "username": OWNER, "password": PASSWORD}
        data.update(form)
        return await client.post("/login", data=data)

    async def form_post(
        self, path: str, data: dict[str, Any], *, page: str | None = None
    ) -> httpx.Response:
        """POST a form with the CSRF token of ``page`` (default: the same path), as a browser."""
        shown = await self.client.get(page or path)
        return await self.client.post(path, data={"csrf_token": csrf_of(shown.text), **data})

    async def connect_demo(self) -> None:
        """Store the sandbox's demo Xero and WhatsApp connections."""
        demo = {k: dict(v) for k, v in self.sandbox.demo_connections.items()}
        for values in demo.values():
            values.pop("type")
        await connect_client_credentials(self.runtime, "xero", demo["xero"])
        save_whatsapp(self.runtime, "whatsapp", demo["whatsapp"])


@pytest.fixture
async def web(tmp_path: Path, registry: Registry, clock: FakeClock) -> AsyncIterator[Web]:
    settings = Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]
    sandbox = embedded(settings, clock=clock)
    runtime = Runtime(
        settings=sandbox.settings, registry=registry, clock=clock, transport=sandbox.transport
    )
    config = ServiceConfig(  # type: ignore[call-arg]
        _env_file=None, xero_wa_worker=False, xero_wa_poll_interval_seconds=0
    )
    app = create_app(runtime, config)
    async with app.router.lifespan_context(app):
        runtime.store.accounts.create(OWNER, passwords.hash_password(PASSWORD), clock.now())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as client:
            yield Web(app, runtime, sandbox, client, clock)
    await runtime.aclose()


@pytest.fixture
async def signed_in(web: Web) -> Web:
    response = await web.sign_in()
    assert response.status_code == 303, response.text
    return web


@pytest.fixture
async def connected(signed_in: Web) -> Web:
    await signed_in.connect_demo()
    return signed_in


def park_event(web: Web, resource_id: str, error: str, tenant_id: str | None = None) -> int:
    """Queue one invoice event for the demo organisation and park it, as a failing worker would."""
    from component.storage.events import NewEvent

    store = web.runtime.store
    tenant = tenant_id or web.sandbox.state.xero.demo_tenant_id
    event = NewEvent(tenant, "INVOICE", resource_id, "UPDATE", "2026-07-14T09:00:00.000")
    store.events.enqueue([event], web.clock.now())
    (claimed,) = store.events.claim("test-worker", web.clock.now(), 60, 1)
    store.events.park(claimed.id, "test-worker", error, web.clock.now())
    return claimed.id


def unknown_reminder(web: Web, key: str, invoice_id: str = "inv-1") -> None:
    """A reminder whose send crashed mid-request: claimed, marked sending, then unknown."""
    from component.storage.outbox_reads import Item

    outbox = web.runtime.store.outbox
    tenant = web.sandbox.state.xero.demo_tenant_id
    claim = outbox.claim(
        key,
        kind="reminder",
        items=[Item(tenant, invoice_id, "overdue_7")],
        contact_id="contact-1",
        recipient="+919820012345",
    )
    assert claim.granted
    outbox.mark_sending(key)
    outbox.mark_unknown(key, "the connection broke after the request was sent")
