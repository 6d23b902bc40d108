"""POST /webhooks/xero: the signature matrix, the queue written before the 200, and limits."""

from __future__ import annotations

import json

import httpx
import pytest

from component.service.webhooks_xero import sign
from tests.service.conftest import (
    TENANT,
    WEBHOOK_KEY,
    Service,
    ServiceFactory,
    service_config,
    xero_body,
    xero_event,
    xero_headers,
)

pytestmark = pytest.mark.anyio


def stored(service: Service) -> list[tuple[str, str, str, str]]:
    events = service.runtime.store.events.list()
    return [(e.tenant_id, e.category, e.resource_id, e.event_type) for e in events]


async def test_right_signature_gets_empty_200_and_event_is_queued(service: Service) -> None:
    body = xero_body(xero_event("inv-1"))
    response = await service.post_xero(body)
    assert response.status_code == 200
    assert response.content == b""
    assert "set-cookie" not in response.headers
    assert stored(service) == [(TENANT, "INVOICE", "inv-1", "UPDATE")]
    (event,) = service.runtime.store.events.list()
    assert (event.state, event.attempts, event.event_date) == (
        "queued",
        0,
        "2026-07-14T09:30:00.123",
    )


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"x-xero-signature": sign("wrong-key", b"x")}, id="wrong signature"),
        pytest.param(
            {"x-xero-signature": sign("other-key", xero_body(xero_event()))}, id="other key"
        ),
        pytest.param({}, id="missing"),
        pytest.param({"x-xero-signature": ""}, id="empty header"),
        pytest.param({"x-xero-signature": "not base64 ✓".encode()}, id="non-ascii"),
    ],
)
async def test_bad_or_missing_signature_gets_empty_401(
    service: Service, headers: dict[str, str | bytes]
) -> None:
    body = xero_body(xero_event())
    response = await service.client.post("/webhooks/xero", content=body, headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert stored(service) == []


async def test_mutated_body_gets_401(service: Service) -> None:
    body = xero_body(xero_event("inv-1"))
    signature = sign(WEBHOOK_KEY, body)
    mutated = body.replace(b"inv-1", b"inv-2")
    response = await service.client.post(
        "/webhooks/xero", content=mutated, headers={"x-xero-signature": signature}
    )
    assert (response.status_code, response.content) == (401, b"")
    assert stored(service) == []


async def test_reserialised_json_is_not_what_was_signed(service: Service) -> None:
    """The signature is over the raw bytes: pretty-printing the same JSON breaks it."""
    body = xero_body(xero_event("inv-1"))
    pretty = json.dumps(json.loads(body), indent=2).encode()
    response = await service.client.post(
        "/webhooks/xero", content=pretty, headers=xero_headers(body)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("name", ["X-Xero-Signature", "X-XERO-SIGNATURE", "x-xero-signature"])
async def test_header_name_case_does_not_matter(service: Service, name: str) -> None:
    body = xero_body(xero_event("inv-1"))
    response = await service.client.post(
        "/webhooks/xero", content=body, headers={name: sign(WEBHOOK_KEY, body)}
    )
    assert (response.status_code, response.content) == (200, b"")
    assert len(stored(service)) == 1


@pytest.mark.parametrize("key", ["", "   "])
async def test_empty_key_refuses_everything(make_service: ServiceFactory, key: str) -> None:
    service: Service = await make_service(config=service_config(xero_webhook_key=key))
    body = xero_body(xero_event())
    for signature in (sign("", body), sign(key, body), ""):
        response = await service.client.post(
            "/webhooks/xero", content=body, headers={"x-xero-signature": signature}
        )
        assert (response.status_code, response.content) == (401, b"")
    assert stored(service) == []
    ready = (await service.client.get("/readyz")).json()
    assert any("XERO_WEBHOOK_KEY" in w for w in ready["warnings"])


async def test_duplicates_are_dropped(service: Service) -> None:
    first = xero_body(xero_event("inv-1"), xero_event("inv-1"), xero_event("inv-2"))
    assert (await service.post_xero(first)).status_code == 200
    again = xero_body(xero_event("inv-1"), sequence=7)  # Xero redelivers: new entropy, same event
    assert (await service.post_xero(again)).status_code == 200
    later = xero_body(xero_event("inv-1", eventDateUtc="2026-07-14T09:31:00.000"))
    assert (await service.post_xero(later)).status_code == 200
    other_type = xero_body(xero_event("inv-1", eventType="CREATE"))
    assert (await service.post_xero(other_type)).status_code == 200
    assert sorted(stored(service)) == [
        (TENANT, "INVOICE", "inv-1", "CREATE"),
        (TENANT, "INVOICE", "inv-1", "UPDATE"),
        (TENANT, "INVOICE", "inv-1", "UPDATE"),
        (TENANT, "INVOICE", "inv-2", "UPDATE"),
    ]


async def test_reference_example_with_null_events_is_acknowledged(service: Service) -> None:
    body = b'{"events":null,"firstEventSequence":0,"lastEventSequence":0,"entropy":"FMLHZNKCVK"}'
    response = await service.post_xero(body)
    assert (response.status_code, response.content) == (200, b"")
    assert stored(service) == []


async def test_malformed_events_are_skipped_not_fatal(service: Service) -> None:
    broken = {"resourceId": "inv-9"}  # no tenant, category, type or date
    body = xero_body(broken, xero_event("inv-1"))
    response = await service.post_xero(body)
    assert response.status_code == 200
    assert stored(service) == [(TENANT, "INVOICE", "inv-1", "UPDATE")]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"events": "nope"}'])
async def test_signed_but_not_a_payload_gets_400(service: Service, body: bytes) -> None:
    response = await service.post_xero(body)
    assert (response.status_code, response.content) == (400, b"")


async def test_body_size_limit(make_service: ServiceFactory) -> None:
    service: Service = await make_service(config=service_config(xero_wa_max_body_bytes=2048))
    small = xero_body(xero_event("inv-1"))
    assert (await service.post_xero(small)).status_code == 200
    big = xero_body(*(xero_event(f"inv-{i}") for i in range(40)))
    assert len(big) > 2048
    response = await service.post_xero(big)
    assert (response.status_code, response.content) == (413, b"")
    assert len(stored(service)) == 1


async def test_body_size_limit_without_content_length(make_service: ServiceFactory) -> None:
    service: Service = await make_service(config=service_config(xero_wa_max_body_bytes=2048))
    big = xero_body(*(xero_event(f"inv-{i}") for i in range(40)))

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 512):
            yield big[start : start + 512]

    response = await service.client.post(
        "/webhooks/xero", content=chunks(), headers={"x-xero-signature": sign(WEBHOOK_KEY, big)}
    )
    assert response.status_code == 413


async def test_get_is_not_allowed(service: Service) -> None:
    response = await service.client.get("/webhooks/xero")
    assert response.status_code == 405


async def test_the_200_does_not_wait_on_xero_or_whatsapp(make_service: ServiceFactory) -> None:
    """Receiving fifty events makes no outbound call at all: fetching is the worker's job."""
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    service: Service = await make_service(
        config=service_config(xero_wa_worker=False), transport=httpx.MockTransport(record)
    )
    response = await service.post_xero(xero_body(*(xero_event(f"inv-{i}") for i in range(50))))
    assert response.status_code == 200
    assert calls == []
    assert service.runtime.store.events.counts()["queued"] == 50
