"""Fixtures for the Xero half of the sandbox (the WhatsApp tests use their own harness).

``sandbox`` is a seeded :class:`SandboxState` on the shared ``FakeClock`` with webhooks routed to
``receiver`` (an in-process Xero webhook receiver that verifies signatures); ``client`` talks to
the app through :class:`SandboxTransport`. ``xero`` bundles the OAuth steps most tests need.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from component.clock import FakeClock
from component.config import SANDBOX_BASE
from component.sandbox.app import create_app
from component.sandbox.config import SandboxConfig
from component.sandbox.faults import SandboxTransport
from component.sandbox.state import SandboxState, build_sandbox

REDIRECT = "http://localhost:5000/callback"
RECEIVER = "http://receiver.invalid/xero/webhooks"
ALL_SCOPES = (
    "openid profile email offline_access accounting.invoices accounting.payments "
    "accounting.contacts accounting.settings accounting.attachments"
)


@dataclass
class XeroReceiver:
    """A Xero webhook endpoint done right: verify the raw body, answer 200 empty or 401."""

    key: str
    fail_with: int | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    #: A careless receiver: a body with its 200, or an answer that takes this long (on the clock).
    answer_body: bytes = b""
    slow_seconds: float = 0.0
    clock: FakeClock | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        body = await request.body()
        digest = hmac.new(self.key.encode(), body, hashlib.sha256).digest()
        good = hmac.compare_digest(
            base64.b64encode(digest).decode(), request.headers.get("x-xero-signature", "")
        )
        if good and self.fail_with is None:
            self.received.append(json.loads(body))
        if self.slow_seconds and self.clock is not None:
            await self.clock.sleep(self.slow_seconds)
        status = (self.fail_with or 200) if good else 401
        await Response(self.answer_body, status_code=status)(scope, receive, send)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    config = SandboxConfig()
    config.xero.webhook_url = RECEIVER
    return config


@pytest.fixture
def receiver(sandbox_config: SandboxConfig, clock: FakeClock) -> XeroReceiver:
    return XeroReceiver(sandbox_config.xero.webhook_key, clock=clock)


@pytest.fixture
def sandbox(
    clock: FakeClock, sandbox_config: SandboxConfig, receiver: XeroReceiver
) -> SandboxState:
    return build_sandbox(
        clock=clock, config=sandbox_config, webhook_transport=httpx.ASGITransport(app=receiver)
    )


@pytest.fixture
async def client(sandbox: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    transport = SandboxTransport(app=create_app(sandbox))
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE) as http:
        yield http


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class XeroHelper:
    """OAuth and API conveniences over the in-process sandbox."""

    client: httpx.AsyncClient
    state: SandboxState

    @property
    def tenant(self) -> str:
        return self.state.xero.demo_tenant_id

    @property
    def auth(self) -> dict[str, str]:
        cfg = self.state.config.xero
        return basic(cfg.client_id, cfg.client_secret)

    async def code(self, scope: str = ALL_SCOPES, **extra: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.state.config.xero.client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "s1",
            **extra,
        }
        response = await self.client.get("/identity/connect/authorize", params=params)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["state"] == ["s1"]
        return query["code"][0]

    async def token(
        self, form: dict[str, str], auth: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/connect/token", data=form, headers=self.auth if auth is None else auth
        )

    async def login(self, scope: str = ALL_SCOPES) -> dict[str, Any]:
        code = await self.code(scope)
        response = await self.token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def headers(self, access_token: str, tenant: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {access_token}",
            "Xero-tenant-Id": tenant or self.tenant,
            "Accept": "application/json",
        }

    async def api_headers(self) -> dict[str, str]:
        return self.headers((await self.login())["access_token"])


@pytest.fixture
def xero(client: httpx.AsyncClient, sandbox: SandboxState) -> XeroHelper:
    return XeroHelper(client, sandbox)


@pytest.fixture
async def h(xero: XeroHelper) -> dict[str, str]:
    """API headers (Bearer + tenant) for the demo tenant, from a real authorization-code login."""
    return await xero.api_headers()
