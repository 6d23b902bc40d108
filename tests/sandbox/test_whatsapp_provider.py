"""The sandbox playing a Cloud-API-compatible provider (360dialog's layout) in front of its number:
the key header, the flat paths, the template listing shape and the provider's webhook proof."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from component.clock import FakeClock
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import demo_connections
from component.sandbox.serve import banner
from component.sandbox.state import build_sandbox
from component.sandbox.whatsapp import WhatsAppConfig
from component.sandbox.whatsapp.provider import ProviderEmulation
from component.sandbox.whatsapp.standalone import Standalone, standalone

pytestmark = pytest.mark.anyio

TEMPLATE = {
    "messaging_product": "whatsapp",
    "to": "+919820012345",
    "type": "template",
    "template": {
        "name": "payment_reminder_multi",
        "language": {"code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Priya Textiles"},
                    {"type": "text", "text": "3"},
                    {"type": "text", "text": "₹1,20,000.00"},
                ],
            },
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
            },
        ],
    },
}


def box(clock: FakeClock, **provider: Any) -> Standalone:
    return standalone(clock, WhatsAppConfig(provider=ProviderEmulation(**provider)))


async def test_a_send_with_the_key_header_on_the_flat_path_is_accepted(clock: FakeClock) -> None:
    sandbox = box(clock)
    async with sandbox.provider_client() as client:
        response = await client.post("/messages", json=TEMPLATE)
    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["message_status"] == "accepted"
    assert sandbox.world.stats()["accepted"] == 1


async def test_a_wrong_key_or_a_bearer_token_is_190(clock: FakeClock) -> None:
    sandbox = box(clock)
    async with sandbox.provider_client(key="guess") as client:
        wrong = await client.post("/messages", json=TEMPLATE)
    async with sandbox.client() as graph:  # Meta's Bearer token on the provider's path
        bearer = await graph.post("/provider/messages", json=TEMPLATE)
    for response in (wrong, bearer):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == 190
    assert sandbox.world.stats()["accepted"] == 0


async def test_without_a_provider_its_paths_are_not_served(clock: FakeClock) -> None:
    sandbox = standalone(clock)
    async with sandbox.client() as client:
        response = await client.post("/provider/messages", json=TEMPLATE)
    assert response.status_code == 404


async def test_templates_are_listed_with_offset_paging(clock: FakeClock) -> None:
    sandbox = box(clock)
    async with sandbox.provider_client() as client:
        first = (await client.get("/v1/configs/templates", params={"limit": 3})).json()
        rest = (
            await client.get("/v1/configs/templates", params={"limit": 1000, "offset": 3})
        ).json()
    assert first["count"] == 3
    assert first["offset"] == 0
    assert first["total"] == rest["total"] == 3 + rest["count"]
    names = {t["name"] for t in first["waba_templates"] + rest["waba_templates"]}
    assert {"payment_reminder", "invoice_new"} <= names


async def test_a_template_created_through_the_provider_is_reviewed_like_metas(
    clock: FakeClock,
) -> None:
    sandbox = box(clock)
    definition = {
        "name": "payment_nudge",
        "language": "en",
        "category": "UTILITY",
        "components": [
            {
                "type": "BODY",
                "text": "Hello {{1}}, invoice {{2}} is overdue. Please pay it at your earliest convenience.",
                "example": {"body_text": [["Priya Textiles", "INV-0142"]]},
            }
        ],
    }
    async with sandbox.provider_client() as client:
        created = await client.post("/v1/configs/templates", json=definition)
        assert created.status_code == 200, created.text
        assert created.json()["status"] == "PENDING"
        clock.advance(sandbox.world.config.template_review_seconds)
        rows = (await client.get("/v1/configs/templates")).json()["waba_templates"]
    assert {r["status"] for r in rows if r["name"] == "payment_nudge"} == {"APPROVED"}


async def test_status_webhooks_carry_the_providers_hmac_not_metas(clock: FakeClock) -> None:
    sandbox = box(clock)
    async with sandbox.provider_client() as client:
        await client.post("/messages", json=TEMPLATE)
    await sandbox.world.advance(5)
    hooks = sandbox.recorder.received
    assert hooks
    assert all(h.signature_ok for h in hooks)
    body, headers = hooks[0].body, hooks[0].headers
    secret = ProviderEmulation().webhook_secret.encode()
    assert headers["x-360dialog-signature"] == hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert "x-hub-signature-256" not in headers


async def test_a_registered_webhook_gets_its_custom_headers(clock: FakeClock) -> None:
    """``header-secret``: the proof is the custom header registered with the webhook URL."""
    sandbox = box(clock, webhook_signature="header-secret", webhook_header="X-Webhook-Secret")
    registration = {
        "url": "http://receiver.invalid/webhooks/whatsapp",
        "headers": {"X-Webhook-Secret": ProviderEmulation().webhook_secret},
    }
    async with sandbox.provider_client() as client:
        registered = await client.post("/v1/configs/webhook", json=registration)
        bad = await client.post("/v1/configs/webhook", json={"url": "ftp://x"})
        await client.post("/messages", json=TEMPLATE)
    assert registered.json() == {"url": registration["url"]}
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == 100
    await sandbox.world.advance(5)
    [first, *_] = sandbox.recorder.received
    assert first.headers["x-webhook-secret"] == ProviderEmulation().webhook_secret
    assert first.signature_ok


def test_the_serve_banner_and_demo_connection_name_the_provider(clock: FakeClock) -> None:
    config = SandboxConfig()
    config.whatsapp.provider = ProviderEmulation()
    config.base_url = "http://127.0.0.1:8765"
    state = build_sandbox(clock=clock, config=config)

    shown = banner(state)
    connection = demo_connections(state)["whatsapp"]

    assert shown["env"]["WHATSAPP_WEBHOOK_SIGNATURE"] == "hmac-sha256"
    assert shown["env"]["WHATSAPP_WEBHOOK_HEADER"] == "x-360dialog-signature"
    assert shown["credentials"]["whatsapp_provider"]["baseUrl"] == "http://127.0.0.1:8765/provider"
    assert connection["provider"] == "compatible"
    assert connection["authHeader"] == "D360-API-KEY"
    assert connection["accessToken"] == ProviderEmulation().api_key
