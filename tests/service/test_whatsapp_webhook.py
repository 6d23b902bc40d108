"""GET and POST /webhooks/whatsapp: Meta's verification, signed statuses, STOP and START.

Every test runs under both provider profiles: Meta's ``X-Hub-Signature-256``, and a compatible
provider's proof (360dialog: hex HMAC-SHA256 in ``x-360dialog-signature``), the sandbox playing
that provider in the tests that use it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from component.clock import FakeClock
from component.config import Settings
from component.oauth.manage import save_whatsapp
from component.registry import Registry
from component.runtime import Runtime
from component.storage.outbox_reads import Item
from component.whatsapp.signature import WebhookSignature
from tests.service.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    WHATSAPP_PROFILES,
    Service,
    ServiceFactory,
    Stack,
    proven_headers,
    service_config,
    whatsapp_headers,
)
from tests.storage import postgres_backends
from tests.storage.postgres_backends import both_backends

# The tests marked ``both_backends`` run on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py): statuses, opt-outs, the outbox and the stored
# connection's scheme are stored state. Verification and signature checks run once.
settings = postgres_backends.settings
store_backend = postgres_backends.sqlite_unless_marked
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio
WAMID = "wamid.HBgLOTE5ODIwMDEyMzQ1FQIAERgSMEI4QzJGQjI4RkI3QjFBNkI2AA=="


def status(kind: str, *, wamid: str = WAMID, **extra: Any) -> dict[str, Any]:
    return {
        "id": wamid,
        "status": kind,
        "timestamp": "1783500000",
        "recipient_id": "919820012345",
        **extra,
    }


def payload(statuses: list[dict[str, Any]] = (), messages: list[dict[str, Any]] = ()) -> bytes:  # type: ignore[assignment]
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "912261500000", "phone_number_id": "106540352242922"},
    }
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["contacts"] = [{"profile": {"name": "Asha"}, "wa_id": "919820012345"}]
        value["messages"] = list(messages)
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "419561257915477", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def text(words: str, sender: str = "919820012345") -> dict[str, Any]:
    return {
        "from": sender,
        "id": f"wamid.in-{words}",
        "timestamp": "1783500000",
        "type": "text",
        "text": {"body": words},
    }


@pytest.fixture(params=list(WHATSAPP_PROFILES))
def whatsapp_profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def post(service: Service, body: bytes, secret: str = APP_SECRET) -> Any:
    return await service.client.post(
        "/webhooks/whatsapp", content=body, headers=proven_headers(service, body, secret)
    )


# ----------------------------------------------------------------------------- verification
async def test_verification_echoes_the_challenge(service: Service) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await service.client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ],
)
async def test_verification_refuses_wrong_mode_or_token(
    service: Service, params: dict[str, str]
) -> None:
    response = await service.client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 403


async def test_verification_refused_when_no_token_is_configured(
    make_service: ServiceFactory,
) -> None:
    service: Service = await make_service(config=service_config(whatsapp_verify_token=""))
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert (await service.client.get("/webhooks/whatsapp", params=params)).status_code == 403


async def test_sandbox_meta_subscription_check_passes(stack: Stack) -> None:
    response = await stack.sandbox_client.post("/_sandbox/whatsapp/webhook/verify", json={})
    assert response.json()["ok"] is True
    wrong = await stack.sandbox_client.post(
        "/_sandbox/whatsapp/webhook/verify", json={"verify_token": "guess"}
    )
    assert wrong.json() == {"ok": False, "status_code": 403, "challenge_echoed": False}


# ----------------------------------------------------------------------------- signatures
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "garbage"},
    ],
)
async def test_unsigned_or_badly_signed_post_gets_401(
    service: Service, headers: dict[str, str]
) -> None:
    body = payload([status("delivered")])
    response = await service.client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert (response.status_code, response.content) == (401, b"")
    assert service.runtime.store.messages.statuses(WAMID) == []


async def test_signed_with_another_secret_gets_401(service: Service) -> None:
    response = await post(service, payload([status("sent")]), secret="another-secret")
    assert response.status_code == 401


# ----------------------------------------------------------------------------- statuses
@both_backends
async def test_statuses_are_stored_once_per_message_and_status(service: Service) -> None:
    body = payload([status("sent"), status("delivered"), status("delivered")])
    assert (await post(service, body)).status_code == 200
    assert (await post(service, body)).status_code == 200  # Meta redelivers the same POST
    read_only = payload([status("read")])
    assert (await post(service, read_only)).status_code == 200
    stored = service.runtime.store.messages.statuses(WAMID)
    assert [s.status for s in stored] == ["sent", "delivered", "read"]
    assert stored[0].recipient == "919820012345"


@both_backends
async def test_failure_is_kept_with_its_code(service: Service) -> None:
    error = {
        "code": 131026,
        "title": "Message undeliverable",
        "error_data": {"details": "not on WhatsApp"},
    }
    body = payload([status("failed", errors=[error], biz_opaque_callback_data="alert:x")])
    assert (await post(service, body)).status_code == 200
    (failed,) = service.runtime.store.messages.statuses(WAMID)
    assert failed.status == "failed"
    assert failed.errors[0]["code"] == 131026
    assert failed.callback_data == "alert:x"


@both_backends
async def test_a_thousand_statuses_in_one_post(service: Service) -> None:
    many = [status("delivered", wamid=f"wamid.{i}") for i in range(1000)]
    assert (await post(service, payload(many))).status_code == 200
    assert service.runtime.store.messages.latest("wamid.999") is not None


@both_backends
async def test_status_settles_an_unknown_send(service: Service) -> None:
    outbox = service.runtime.store.outbox
    key = "alert:invoice_new:tenant:inv-1"
    outbox.claim(key, kind="alert", items=[Item("tenant", "inv-1", "invoice_new")])
    outbox.mark_sending(key)
    outbox.mark_unknown(key, "timeout after sending")
    body = payload([status("delivered", biz_opaque_callback_data=key)])
    assert (await post(service, body)).status_code == 200
    settled = outbox.get(key)
    assert settled is not None
    assert (settled.state, settled.message_id) == ("sent", WAMID)


@both_backends
async def test_undeliverable_reminder_queues_the_email_fallback(service: Service) -> None:
    outbox = service.runtime.store.outbox
    key = "reminder-run1-contact1"
    outbox.claim(
        key,
        kind="reminder",
        items=[Item("tenant-9", "inv-1", "overdue_7")],
        details={"emailFallback": True},
    )
    outbox.mark_sending(key)
    outbox.mark_sent(key, WAMID)
    error = {"code": 131026, "title": "Message undeliverable"}
    body = payload([status("failed", errors=[error], biz_opaque_callback_data=key)])
    assert (await post(service, body)).status_code == 200
    assert (await post(service, body)).status_code == 200  # a duplicate queues nothing more
    (event,) = service.runtime.store.events.list()
    assert (event.tenant_id, event.category, event.event_type, event.resource_id) == (
        "tenant-9",
        "WHATSAPP",
        "UNDELIVERABLE",
        key,
    )


async def test_signed_non_json_gets_400(service: Service) -> None:
    assert (await post(service, b"not json")).status_code == 400


# ----------------------------------------------------------------------------- STOP / START
@both_backends
async def test_stop_opts_the_sender_out_and_start_back_in(service: Service) -> None:
    optouts = service.runtime.store.optouts
    assert (await post(service, payload(messages=[text("  stop. ")]))).status_code == 200
    opted = optouts.is_opted_out("any-tenant", None, "+919820012345")
    assert opted is not None
    assert opted.reason == "replied STOP"
    assert (await post(service, payload(messages=[text("Start")]))).status_code == 200
    assert optouts.is_opted_out("any-tenant", None, "+919820012345") is None


async def test_other_words_change_nothing(service: Service) -> None:
    body = payload(messages=[text("Please stop sending me the PDF")])
    assert (await post(service, body)).status_code == 200
    assert service.runtime.store.optouts.all() == []


@both_backends
async def test_stop_words_are_configurable(
    make_service: ServiceFactory, api_settings: Settings
) -> None:
    words = {"xero_wa_stop_words": "ALTO,BAJA", "xero_wa_start_words": "VOLVER"}
    service: Service = await make_service(settings=api_settings.model_copy(update=words))
    assert (await post(service, payload(messages=[text("stop")]))).status_code == 200
    assert service.runtime.store.optouts.all() == []
    assert (await post(service, payload(messages=[text("baja")]))).status_code == 200
    assert service.runtime.store.optouts.is_opted_out("t", None, "+919820012345") is not None


@both_backends
async def test_button_reply_stop_counts(service: Service) -> None:
    button = {
        "from": "919820012345",
        "id": "wamid.btn",
        "timestamp": "1783500000",
        "type": "button",
        "button": {"text": "STOP", "payload": "stop"},
    }
    assert (await post(service, payload(messages=[button]))).status_code == 200
    assert service.runtime.store.optouts.is_opted_out("t", None, "919820012345") is not None


@both_backends
async def test_inbound_stop_from_the_sandbox_opts_out(stack: Stack) -> None:
    await stack.control("/whatsapp/inbound", {"from": "+919820012345", "text": "STOP"})
    await stack.deliver()
    optouts = stack.service.runtime.store.optouts
    assert optouts.is_opted_out(stack.tenant, None, "+919820012345") is not None
    await stack.control("/whatsapp/inbound", {"from": "+919820012345", "text": "START"})
    await stack.deliver()
    assert optouts.is_opted_out(stack.tenant, None, "+919820012345") is None


# ----------------------------------------------------------------------------- provider proofs
async def test_a_provider_profile_refuses_a_meta_signature(make_service: ServiceFactory) -> None:
    service: Service = await make_service(config=service_config(**WHATSAPP_PROFILES["360dialog"]))
    body = payload([status("delivered")])
    meta_signed = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=whatsapp_headers(body)
    )
    assert meta_signed.status_code == 401
    assert (await post(service, body)).status_code == 200


async def test_a_header_secret_proof(make_service: ServiceFactory) -> None:
    config = service_config(
        whatsapp_webhook_signature="header-secret", whatsapp_webhook_header="X-Webhook-Secret"
    )
    service: Service = await make_service(config=config)
    body = payload([status("sent")])
    for given, expected in ((APP_SECRET, 200), (APP_SECRET[:-1], 401), ("", 401)):
        response = await service.client.post(
            "/webhooks/whatsapp", content=body, headers={"X-Webhook-Secret": given}
        )
        assert response.status_code == expected


async def test_a_misconfigured_scheme_refuses_everything_with_a_log_line(
    make_service: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    service: Service = await make_service(
        config=service_config(whatsapp_webhook_signature="hmac-sha256")  # no header named
    )
    body = payload([status("sent")])
    response = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=whatsapp_headers(body)
    )
    assert response.status_code == 401
    assert "webhookHeader" in caplog.text
    assert APP_SECRET not in caplog.text


@both_backends
async def test_the_scheme_comes_from_the_stored_connection(
    make_service: ServiceFactory, api_settings: Settings, registry: Registry, clock: FakeClock
) -> None:
    runtime = Runtime(settings=api_settings, registry=registry, clock=clock)
    values = {
        "accessToken": "key",
        "phoneNumberId": "106540352242922",
        "provider": "compatible",
        "baseUrl": "https://waba-v2.360dialog.io",
        "authHeader": "D360-API-KEY",
        "webhookSignature": "hmac-sha256",
        "webhookHeader": "x-360dialog-signature",
        "appSecret": "platform-secret",
        "verifyToken": "v",
    }
    save_whatsapp(runtime, "whatsapp", values)
    await runtime.aclose()
    config = service_config(whatsapp_app_secret=None, whatsapp_verify_token=None)
    service: Service = await make_service(config=config)
    body = payload([status("read")])
    proof = WebhookSignature("platform-secret", "hmac-sha256", "x-360dialog-signature")

    response = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=proof.sign(body)
    )

    assert response.status_code == 200
    assert [s.status for s in service.runtime.store.messages.statuses(WAMID)] == ["read"]
