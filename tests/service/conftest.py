"""Fixtures for the HTTP service: the app with its lifespan, and a sandbox wired to it.

``service`` is the app on an isolated store, reached through ``httpx.ASGITransport`` (the
lifespan runs, the worker is off: tests call ``worker.drain()`` after moving the FakeClock).
``stack`` joins it to the in-process sandbox both ways: the service's runtime calls the
sandbox's Xero and WhatsApp APIs, and the sandbox's signed webhooks are delivered into the
service's ``/webhooks/*`` routes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from component.clock import FakeClock
from component.config import SANDBOX_BASE, Settings
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.app import create_app as create_sandbox_app
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import demo_connections
from component.sandbox.faults import SandboxTransport
from component.sandbox.state import SandboxState, build_sandbox
from component.sandbox.whatsapp.provider import ProviderEmulation
from component.service.app import create_app
from component.service.config import ServiceConfig
from component.service.state import ServiceState
from component.service.webhooks_whatsapp import sign as sign_whatsapp
from component.service.webhooks_xero import sign as sign_xero
from component.service.worker import Worker
from component.whatsapp.signature import META_HEADER, WebhookSignature

BASE = "http://service.test"
API_KEY = "test-api-key-0123456789"
WEBHOOK_KEY = "test-webhook-key"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
TENANT = "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10"


def service_config(**changes: Any) -> ServiceConfig:
    values: dict[str, Any] = {
        "xero_webhook_key": WEBHOOK_KEY,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "xero_wa_worker": False,
        "xero_wa_poll_interval_seconds": 0,
        "xero_wa_scheduler": False,
        "xero_wa_tenant_refresh_seconds": 0,
        **changes,
    }
    return ServiceConfig(_env_file=None, **values)  # type: ignore[call-arg]


def xero_event(resource_id: str = "inv-1", **changes: Any) -> dict[str, Any]:
    event = {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": "2026-07-14T09:30:00.123",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": TENANT,
        "tenantType": "ORGANISATION",
    }
    event.update(changes)
    return event


def xero_body(*events: dict[str, Any], sequence: int = 1) -> bytes:
    payload = {
        "events": list(events),
        "firstEventSequence": sequence,
        "lastEventSequence": sequence + max(len(events) - 1, 0),
        "entropy": "QWERTYUIOPASDFGHJKLZ",
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def xero_headers(body: bytes, key: str = WEBHOOK_KEY) -> dict[str, str]:
    return {"Content-Type": "application/json", "x-xero-signature": sign_xero(key, body)}


def whatsapp_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign_whatsapp(secret, body)}


#: The service settings of each WhatsApp provider profile's webhook proof; a test module that
#: overrides ``whatsapp_profile`` (default "meta", tests/conftest.py) with a parametrized fixture
#: runs under each.
WHATSAPP_PROFILES: dict[str, dict[str, Any]] = {
    "meta": {},
    "360dialog": {
        "whatsapp_webhook_signature": "hmac-sha256",
        "whatsapp_webhook_header": "x-360dialog-signature",
    },
}


def proven_headers(service: Service, body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """The headers the service's configured WhatsApp profile accepts for ``body``."""
    secrets = service.state.secrets
    scheme = secrets.whatsapp_signature
    header = secrets.whatsapp_signature_header or META_HEADER
    signature = WebhookSignature(secret, scheme, header)  # type: ignore[arg-type]
    return {"Content-Type": "application/json", **signature.sign(body)}


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, xero_wa_home=tmp_path / "home", xero_wa_api_keys=f"other-key,{API_KEY}"
    )


@dataclass
class Service:
    app: Starlette
    client: httpx.AsyncClient
    runtime: Runtime

    @property
    def state(self) -> ServiceState:
        state: ServiceState = self.app.state.service
        return state

    @property
    def worker(self) -> Worker:
        assert self.state.worker is not None
        return self.state.worker

    async def post_xero(self, body: bytes, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/webhooks/xero", content=body, headers={**xero_headers(body), **headers}
        )


ServiceFactory = Callable[..., Any]


@pytest.fixture
async def make_service(
    api_settings: Settings, registry: Registry, clock: FakeClock
) -> AsyncIterator[ServiceFactory]:
    """``await make_service(config=..., transport=..., settings=...)`` → a running Service."""
    opened: list[tuple[Any, Runtime, httpx.AsyncClient]] = []

    async def make(
        config: ServiceConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        settings: Settings | None = None,
        **connections: Any,
    ) -> Service:
        runtime = Runtime(
            settings=settings or api_settings, registry=registry, clock=clock, transport=transport
        )
        app = create_app(runtime, config or service_config(), **connections)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        opened.append((lifespan, runtime, client))
        return Service(app, client, runtime)

    yield make
    for lifespan, runtime, client in reversed(opened):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
        await runtime.aclose()


@pytest.fixture
async def service(make_service: ServiceFactory, whatsapp_profile: str) -> Service:
    config = service_config(**WHATSAPP_PROFILES[whatsapp_profile])
    service: Service = await make_service(config=config)
    return service


# ----------------------------------------------------------------------------- with the sandbox
@dataclass
class Stack:
    """The service and the sandbox, wired to each other on one FakeClock."""

    service: Service
    sandbox: SandboxState
    sandbox_client: httpx.AsyncClient
    clock: FakeClock

    @property
    def tenant(self) -> str:
        return self.sandbox.xero.demo_tenant_id

    async def deliver(self) -> None:
        """The sandbox sends every webhook that is due (Xero and WhatsApp)."""
        await self.sandbox.deliverer.drain()

    async def messages(self, **params: str) -> list[dict[str, Any]]:
        response = await self.sandbox_client.get("/_sandbox/whatsapp/messages", params=params)
        rows: list[dict[str, Any]] = response.json()["messages"]
        return rows

    async def control(self, path: str, body: dict[str, Any], **params: str) -> Any:
        response = await self.sandbox_client.post(f"/_sandbox{path}", json=body, params=params)
        assert response.status_code < 300, response.text
        return response.json()


class LateApp:
    """An ASGI app that forwards to one set later (the sandbox is built before the service)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture
def sandbox_config(whatsapp_profile: str) -> SandboxConfig:
    config = SandboxConfig()
    config.xero.webhook_url = f"{BASE}/webhooks/xero"
    config.whatsapp.webhook_url = f"{BASE}/webhooks/whatsapp"
    if whatsapp_profile != "meta":
        config.whatsapp.provider = ProviderEmulation()
    return config


@pytest.fixture
def stack_config(sandbox_config: SandboxConfig, whatsapp_profile: str) -> ServiceConfig:
    provider = sandbox_config.whatsapp.provider
    return service_config(
        xero_webhook_key=sandbox_config.xero.webhook_key,
        whatsapp_app_secret=provider.webhook_secret
        if provider
        else sandbox_config.whatsapp.app_secret,
        whatsapp_verify_token=sandbox_config.whatsapp.verify_token,
        **WHATSAPP_PROFILES[whatsapp_profile],
    )


@pytest.fixture
async def make_stack(
    make_service: ServiceFactory,
    api_settings: Settings,
    clock: FakeClock,
    sandbox_config: SandboxConfig,
    stack_config: ServiceConfig,
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_stack(config=..., settings=...)``: a new service process on the same sandbox."""
    receiver = LateApp()
    sandbox = build_sandbox(
        clock=clock, config=sandbox_config, webhook_transport=httpx.ASGITransport(app=receiver)
    )
    sandbox_app = create_sandbox_app(sandbox)
    connections = demo_connections(sandbox)
    sandbox_client = httpx.AsyncClient(
        transport=SandboxTransport(app=sandbox_app), base_url=SANDBOX_BASE
    )

    async def make(config: ServiceConfig | None = None, settings: Settings | None = None) -> Stack:
        base_settings = settings or api_settings
        service: Service = await make_service(
            config=config or stack_config,
            transport=SandboxTransport(app=sandbox_app),
            settings=base_settings.for_sandbox(SANDBOX_BASE),
            xero_connection=connections["xero"],
            whatsapp_connection=connections["whatsapp"],
        )
        receiver.app = service.app
        return Stack(service, sandbox, sandbox_client, clock)

    yield make
    await sandbox_client.aclose()
    await sandbox.deliverer.aclose()


@pytest.fixture
async def stack(make_stack: Callable[..., Any]) -> Stack:
    built: Stack = await make_stack()
    return built
