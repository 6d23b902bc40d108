"""Organisation, tenant list and raw requests: pinned requests and the refusals."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.executor import Executor
from tests.actions.cases.other import CASES
from tests.actions.harness import API, TENANT, Case, envelope, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("inputs", "field", "reason"),
    [
        (
            {"url": "https://evil.example/api.xro/2.0/Invoices"},
            "url",
            "only paths under the Xero API (https://api.xero.com/api.xro/2.0) are allowed",
        ),
        ({"url": "https://api.xero.com/connections"}, "url", "only paths under the Xero API"),
        ({"url": "/Invoices/../../connections"}, "url", "'..' is not allowed in the path"),
        ({"url": "/Invoices", "method": "FETCH"}, "method", "'FETCH' is not an HTTP method"),
        ({"url": "/Invoices", "responseType": "xml"}, "responseType", "use one of json, text"),
        (
            {"url": "/Invoices", "method": "POST", "data": "{}", "formData": "a=1"},
            "data",
            "give either Data or Form Data / File Data, not both",
        ),
    ],
)
async def test_raw_request_refuses_what_it_must_not_send(
    executor: Executor, httpx_mock: HTTPXMock, inputs: dict[str, str], field: str, reason: str
) -> None:
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("rawRequest", {"method": "GET", **inputs}, TOKEN_CONNECTION)
    assert info.value.problems[0].field == field
    assert reason in info.value.problems[0].reason
    assert httpx_mock.get_requests() == []  # the token never left


@pytest.mark.anyio
async def test_raw_request_uploads_form_and_file_data_as_multipart(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{API}/Files/Upload", json={"ok": True})
    inputs = {
        "method": "POST",
        "url": "/Files/Upload",
        "formData": [{"key": "note", "value": "June statement"}],
        "fileData": [{"key": "file", "value": "Statement for June"}],
        "fileDataFileNames": [{"key": "file", "value": "june.txt"}],
    }
    result = await executor.invoke("rawRequest", inputs, TOKEN_CONNECTION)
    assert result["data"] == {"ok": True}
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = request.content.decode()
    assert 'name="note"\r\n\r\nJune statement' in body
    assert 'name="file"; filename="june.txt"' in body
    assert "Statement for June" in body
    assert request.headers["Xero-tenant-Id"] == TENANT


@pytest.mark.anyio
async def test_raw_request_retries_as_its_inputs_say_on_the_injected_clock(
    executor: Executor, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    for status in (503, 502):
        httpx_mock.add_response(method="GET", url=f"{API}/Accounts", status_code=status)
    httpx_mock.add_response(method="GET", url=f"{API}/Accounts", json=envelope(Accounts=[]))
    inputs = {"method": "GET", "url": "/Accounts", "maxRetries": "2", "retryDelayMS": "250"}
    result = await executor.invoke("rawRequest", inputs, TOKEN_CONNECTION)
    assert result["data"]["Accounts"] == []
    assert clock.slept == [0.25, 0.25]


@pytest.mark.anyio
async def test_raw_request_makes_no_retry_by_default(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="GET", url=f"{API}/Accounts", status_code=503)
    with pytest.raises(errors.UpstreamError) as info:
        await executor.invoke("rawRequest", {"method": "GET", "url": "/Accounts"}, TOKEN_CONNECTION)
    assert info.value.status == 503
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_raw_request_retry_all_errors_retries_a_4xx_with_the_same_idempotency_key(
    executor: Executor, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{API}/Invoices", status_code=409)
    httpx_mock.add_response(method="POST", url=f"{API}/Invoices", json=envelope(Invoices=[]))
    inputs = {
        "method": "POST",
        "url": "/Invoices",
        "data": '{"Invoices": []}',
        "maxRetries": "1",
        "retryAllErrors": True,
        "useExponentialBackoff": True,
    }
    await executor.invoke("rawRequest", inputs, TOKEN_CONNECTION)
    first, second = httpx_mock.get_requests()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.headers["Content-Type"] == "application/json"
    assert len(clock.slept) == 1
    assert 0.25 <= clock.slept[0] <= 0.5  # jittered, from half a second


@pytest.mark.anyio
async def test_raw_request_timeout_is_in_milliseconds(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="GET", url=f"{API}/Organisation", json=envelope())
    inputs = {"method": "GET", "url": "/Organisation", "timeout": "2500"}
    await executor.invoke("rawRequest", inputs, TOKEN_CONNECTION)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == {
        "connect": 2.5,
        "read": 2.5,
        "write": 2.5,
        "pool": 2.5,
    }
