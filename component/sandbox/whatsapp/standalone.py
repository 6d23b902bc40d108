"""The WhatsApp emulator alone, in-process: for tests of WhatsApp clients and receivers that do not
need the Xero half (the full sandbox app is assembled elsewhere).

``standalone(clock, config)`` wires a world, a deliverer and a :class:`WebhookRecorder` (an ASGI
webhook receiver that keeps what it got), so a test can send through ``httpx.ASGITransport``,
move the clock, drain, and inspect the signed webhooks without a network.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from component.clock import Clock
from component.sandbox.delivery import WebhookDeliverer
from component.sandbox.whatsapp.config import WhatsAppConfig
from component.sandbox.whatsapp.control import control_routes
from component.sandbox.whatsapp.provider import ProviderEmulation
from component.sandbox.whatsapp.routes import routes
from component.sandbox.whatsapp.webhooks import SIGNATURE_HEADER, verify
from component.sandbox.whatsapp.world import WhatsAppWorld

CONTROL_PREFIX = "/_sandbox/whatsapp"
BASE_URL = "http://sandbox.invalid"
RECEIVER_URL = "http://receiver.invalid/webhooks/whatsapp"


def standalone_app(world: WhatsAppWorld) -> Starlette:
    """Graph routes at the root, control routes under ``/_sandbox/whatsapp``."""
    return Starlette(routes=[*routes(world), Mount(CONTROL_PREFIX, routes=control_routes(world))])


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    signature_ok: bool

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookRecorder:
    """An ASGI webhook receiver: answers Meta's subscription check, checks signatures like a real
    receiver should, keeps every POST, and answers with ``status_code`` (set it to 500 to watch
    the retries)."""

    app_secret: str
    verify_token: str = ""
    status_code: int = 200
    received: list[Received] = field(default_factory=list)
    #: The provider in front of the number: its proof is checked instead of Meta's signature.
    provider: ProviderEmulation | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        if request.method == "GET":
            query = request.query_params
            ok = query.get("hub.mode") == "subscribe" and hmac.compare_digest(
                query.get("hub.verify_token", ""), self.verify_token
            )
            challenge = query.get("hub.challenge", "") if ok else ""
            await Response(challenge, status_code=200 if ok else 403)(scope, receive, send)
            return
        body = await request.body()
        ok = self._proven(body, request)
        self.received.append(Received(body, dict(request.headers), ok))
        await Response(status_code=self.status_code if ok else 401)(scope, receive, send)

    def _proven(self, body: bytes, request: Request) -> bool:
        provider = self.provider
        if provider is None or provider.webhook_signature == "meta":
            return verify(self.app_secret, body, request.headers.get(SIGNATURE_HEADER))
        if provider.webhook_signature == "header-secret":
            return request.headers.get(provider.webhook_header) == provider.webhook_secret
        expected = provider.proof(body, self.app_secret, {})[provider.webhook_header]
        given = request.headers.get(provider.webhook_header, "")
        return hmac.compare_digest(expected.encode(), given.encode())

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self))

    def statuses(self) -> list[dict[str, Any]]:
        """Every ``statuses[]`` item received, in arrival order."""
        out: list[dict[str, Any]] = []
        for item in self.received:
            for entry in item.json().get("entry", []):
                for change in entry.get("changes", []):
                    out.extend(change.get("value", {}).get("statuses", []))
        return out


@dataclass
class Standalone:
    world: WhatsAppWorld
    app: Starlette
    recorder: WebhookRecorder

    def provider_client(self, key: str | None = None) -> httpx.AsyncClient:
        """A client of the provider's paths, with its key header (default: the right key)."""
        provider = self.world.config.provider
        assert provider is not None, "no provider configured"
        value = provider.api_key if key is None else key
        if provider.auth_scheme:
            value = f"{provider.auth_scheme} {value}"
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(
            transport=transport,
            base_url=f"{BASE_URL}{provider.path_prefix}",
            headers={provider.auth_header: value},
        )

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        """An API client; ``token`` defaults to the configured access token."""
        bearer = self.world.config.access_token if token is None else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


def standalone(clock: Clock, config: WhatsAppConfig | None = None) -> Standalone:
    """World + app + deliverer whose webhooks go to a recorder (``webhook_url`` defaults to it)."""
    cfg = config or WhatsAppConfig()
    if cfg.webhook_url is None:
        cfg = cfg.model_copy(update={"webhook_url": RECEIVER_URL})
    recorder = WebhookRecorder(cfg.app_secret, cfg.verify_token, provider=cfg.provider)
    deliverer = WebhookDeliverer(clock, recorder.client)
    world = WhatsAppWorld(clock, cfg, deliverer)
    return Standalone(world, standalone_app(world), recorder)
