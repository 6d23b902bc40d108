"""JSON logs: one object per line, request ids, no secrets, phone numbers masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from component.service.logging import REQUEST_ID, JsonFormatter, mask
from tests.alerts.test_alerts_e2e import new_contact, new_invoice
from tests.service.conftest import API_KEY, WEBHOOK_KEY, Service, Stack, xero_body, xero_event

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("sent to +919820012345", "sent to +*********345"),
        ("wa_id 919820012345 replied", "wa_id *********345 replied"),
        ("to +91 98200 12345 now", "to +*********345 now"),
        ("Authorization: Bearer eyJhbGciOi.J9.x-y", "Authorization: Bearer ***"),
        ("client_secret=s3cr3t&code=1", "client_secret=***&code=1"),
        ("hub.verify_token=abc123", "hub.verify_token=***"),
        ("X-Hub-Signature-256: sha256=" + "ab" * 32, "X-Hub-Signature-256: sha256=***"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "invoice INV-0142 due 2026-07-14 for 48500.00 INR",
        "event 12 (INVOICE UPDATE) done: invoice_new: sent",
        "tenant 6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10",
        "code 131026 from Meta",
    ],
)
def test_mask_leaves_ordinary_text_alone(text: str) -> None:
    assert mask(text) == text


def test_configured_secret_values_are_replaced() -> None:
    assert mask("key is hunter2-key!", ["hunter2-key"]) == "key is ***!"


def test_formatter_writes_one_json_object_with_the_request_id() -> None:
    record = logging.LogRecord(
        "xero_wa.x", logging.INFO, __file__, 1, "to %s", ("+919820012345",), None
    )
    token = REQUEST_ID.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "to +*********345"
    assert entry["requestId"] == "req-1"
    assert (entry["level"], entry["logger"]) == ("INFO", "xero_wa.x")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, through the service's formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter([WEBHOOK_KEY, API_KEY]))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


async def test_request_lines_carry_the_request_id(service: Service, json_log: io.StringIO) -> None:
    await service.post_xero(xero_body(xero_event()), **{"X-Request-Id": "trace-42"})
    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = [e for e in entries if e["logger"] == "xero_wa.service.access"]
    assert access[-1]["requestId"] == "trace-42"
    assert (access[-1]["path"], access[-1]["status"]) == ("/webhooks/xero", 200)
    assert any(e.get("requestId") == "trace-42" and "1 new" in e["message"] for e in entries)


async def test_a_whole_alert_flow_logs_no_phone_and_no_secret(
    stack: Stack, json_log: io.StringIO
) -> None:
    contact_id = await new_contact(stack)
    await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    stack.clock.advance(60)
    await stack.deliver()
    assert len(await stack.messages()) == 1
    text = json_log.getvalue()
    for line in text.splitlines():
        json.loads(line)
    assert "9820012345" not in text
    for secret in (
        stack.sandbox.config.xero.webhook_key,
        stack.sandbox.config.whatsapp.app_secret,
        stack.sandbox.config.whatsapp.access_token,
        API_KEY,
    ):
        assert secret not in text
    assert "invoice_new: sent" in text


async def test_a_delivery_is_one_access_line_with_what_it_queued(
    service: Service, json_log: io.StringIO
) -> None:
    await service.post_xero(xero_body(xero_event()), **{"X-Request-Id": "trace-7"})
    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    mine = [e for e in entries if e.get("requestId") == "trace-7"]
    assert len(mine) == 1  # the access line says what the delivery did: no second line
    (access,) = mine
    assert access["logger"] == "xero_wa.service.access"
    assert access["message"].startswith("POST /webhooks/xero 200 ")
    assert access["message"].endswith(" ms (1 event(s), 1 new)")
    assert (access["method"], access["path"], access["status"]) == ("POST", "/webhooks/xero", 200)
    assert isinstance(access["durationMs"], float)


async def test_the_access_line_masks_a_phone_number_in_the_path_field_too(
    service: Service, json_log: io.StringIO
) -> None:
    await service.client.get("/no/such/+919820012345")
    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    (access,) = [e for e in entries if e["logger"] == "xero_wa.service.access"]
    assert access["path"] == "/no/such/+*********345"
    assert access["message"].startswith("GET /no/such/+*********345 404 ")
    assert "9820012345" not in json_log.getvalue()


@pytest.mark.parametrize(
    "created", [0.5, 1784021400.123, 1784021400.9999996, 1784021400.0004999, 1999999999.999]
)
def test_timestamps_are_what_datetime_writes(created: float) -> None:
    from datetime import UTC, datetime

    from component.service.logging import _timestamp

    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert _timestamp(created) == expected
