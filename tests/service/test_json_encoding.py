"""The service's JSON encoding: the same bytes as ``json.dumps``, produced a piece at a time and,
for action results, in a worker thread, so a 2 MB result never holds the event loop."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

from component.service import http
from component.values import Binary, to_jsonable
from tests.conftest import TOKEN_CONNECTION
from tests.service.conftest import API_KEY, Service

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=80) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=400,
)


def reference(value: Any) -> bytes:
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":")).encode()


@settings(max_examples=150, derandomize=True, deadline=None)
@given(value=JSON)
def test_the_bytes_are_exactly_json_dumps(value: Any) -> None:
    assert http.json_bytes(value) == reference(value)


def test_values_that_are_not_json_are_converted_as_everywhere() -> None:
    value = {
        "when": datetime(2026, 7, 14, 9, 30),
        "day": date(2026, 7, 14),
        "amount": Decimal("48500.50"),
        "whole": Decimal("3"),
        "pdf": Binary(b"%PDF", "application/pdf", "INV-1.pdf"),
        "rows": [{"n": Decimal("1.5")}] * 100,
        (1, 2): "a tuple key",
    }
    assert http.json_bytes(value) == reference(value)


def test_a_long_list_is_encoded_one_item_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call is one C-encoder run holding the GIL; between them the event loop can run."""
    calls: list[int] = []
    encode = http._ENCODE

    def counting(value: Any) -> str:
        calls.append(1)
        return encode(value)

    monkeypatch.setattr(http, "_ENCODE", counting)
    invoices = [{"InvoiceID": str(i), "LineItems": [{"Quantity": 1}] * 5} for i in range(2000)]
    http.json_bytes({"data": {"Invoices": invoices}})
    assert len(calls) >= 2000


@pytest.mark.anyio
async def test_an_action_result_is_encoded_off_the_event_loop(
    service: Service, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    original = http.json_bytes

    def recording(data: Any) -> bytes:
        threads.append(threading.get_ident())
        return original(data)

    monkeypatch.setattr(http, "json_bytes", recording)
    invoices = {"Invoices": [{"InvoiceID": str(i)} for i in range(500)]}
    httpx_mock.add_response(url="https://api.xero.com/api.xro/2.0/Invoices/INV-1", json=invoices)
    body = {"inputs": {"invoiceId": "INV-1"}, "connection": TOKEN_CONNECTION}
    response = await service.client.post(
        "/v1/actions/getInvoice/invoke",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": invoices}
    assert threads
    assert threading.get_ident() not in threads
