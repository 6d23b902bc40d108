"""Upstream errors reach callers by cause: the same status over HTTP, the same exit code on the CLI.

Each row is what Xero or Meta answered (or failed to answer), and what the caller of
``POST /v1/actions/{key}/invoke`` and of ``xero-wa run`` sees. Only the upstream service's own
failures are 5xx; what the caller must change is a 4xx carrying the upstream messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.cli_support import CliOutcome
from tests.conftest import TOKEN_CONNECTION
from tests.service.conftest import API_KEY, Service
from tests.whatsapp.conftest import GRAPH, PHONE_ID, graph_error

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {API_KEY}"}
XERO = "https://api.xero.com/api.xro/2.0"
INVOICE_URL = f"{XERO}/Invoices/INV-9"
MESSAGES_URL = f"{GRAPH}/{PHONE_ID}/messages"
WHATSAPP = {
    "type": "whatsappCloud",
    "accessToken": "EAAG-test-token",
    "phoneNumberId": PHONE_ID,
    "businessAccountId": "419561257915477",
}
VALIDATION = {
    "ErrorNumber": 10,
    "Type": "ValidationException",
    "Message": "A validation exception occurred",
    "Elements": [
        {
            "InvoiceNumber": "INV-9",
            "ValidationErrors": [{"Message": "Email address must be valid."}],
        }
    ],
}
UNAUTHORIZED = {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}
FORBIDDEN = {"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}

#: (name, upstream answer, HTTP status, error code, CLI exit code)
XERO_CASES: list[tuple[str, dict[str, Any], int, str, int]] = [
    ("validation", {"status_code": 400, "json": VALIDATION}, 422, "upstream_rejected", 2),
    ("not found", {"status_code": 404}, 404, "upstream_not_found", 2),
    ("token refused", {"status_code": 401, "json": UNAUTHORIZED}, 424, "connection_error", 4),
    ("wrong tenant", {"status_code": 403, "json": FORBIDDEN}, 424, "connection_error", 4),
    (
        "minute limit",
        {"status_code": 429, "headers": {"X-Rate-Limit-Problem": "minute", "Retry-After": "400"}},
        429,
        "rate_limited",
        6,
    ),
    ("server error", {"status_code": 500}, 502, "upstream_error", 5),
    (
        "maintenance",
        {"status_code": 503, "headers": {"Retry-After": "30"}},
        503,
        "upstream_unavailable",
        5,
    ),
    ("gateway timeout", {"status_code": 504}, 504, "upstream_timeout", 5),
]


def xero_answer(httpx_mock: HTTPXMock, answer: dict[str, Any]) -> None:
    # Reusable: 5xx are retried (on the FakeClock), a 401 is replayed after a refresh attempt.
    httpx_mock.add_response(url=INVOICE_URL, is_reusable=True, **answer)


@pytest.mark.parametrize(("name", "answer", "status", "code", "exit_code"), XERO_CASES)
async def test_xero_errors_keep_their_cause_over_http(
    service: Service,
    httpx_mock: HTTPXMock,
    name: str,
    answer: dict[str, Any],
    status: int,
    code: str,
    exit_code: int,
) -> None:
    xero_answer(httpx_mock, answer)
    body = {"inputs": {"invoiceId": "INV-9"}, "connection": TOKEN_CONNECTION}
    response = await service.client.post("/v1/actions/getInvoice/invoke", json=body, headers=AUTH)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_a_validation_exception_is_422_with_xeros_messages(
    service: Service, httpx_mock: HTTPXMock
) -> None:
    xero_answer(httpx_mock, {"status_code": 400, "json": VALIDATION})
    body = {"inputs": {"invoiceId": "INV-9"}, "connection": TOKEN_CONNECTION}
    response = await service.client.post("/v1/actions/getInvoice/invoke", json=body, headers=AUTH)
    error = response.json()["error"]
    assert response.status_code == 422
    assert error["details"]["messages"] == ["element 0 (INV-9): Email address must be valid."]
    assert error["details"]["retryable"] is False
    assert "Email address must be valid." in error["message"]


@pytest.mark.parametrize(
    ("answer", "status", "retry_after"),
    [
        (
            {
                "status_code": 429,
                "headers": {"X-Rate-Limit-Problem": "day", "Retry-After": "40000"},
            },
            429,
            "40000",
        ),
        (
            {
                "status_code": 429,
                "headers": {"X-Rate-Limit-Problem": "minute", "Retry-After": "400.2"},
            },
            429,
            "401",
        ),
        ({"status_code": 503, "headers": {"Retry-After": "30"}}, 503, "30"),
    ],
)
async def test_waits_are_passed_on_as_retry_after(
    service: Service, httpx_mock: HTTPXMock, answer: dict[str, Any], status: int, retry_after: str
) -> None:
    xero_answer(httpx_mock, answer)
    body = {"inputs": {"invoiceId": "INV-9"}, "connection": TOKEN_CONNECTION}
    response = await service.client.post("/v1/actions/getInvoice/invoke", json=body, headers=AUTH)
    assert response.status_code == status
    assert response.headers["Retry-After"] == retry_after


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (httpx.ReadTimeout("read timed out"), 504, "upstream_timeout"),
        (httpx.ConnectTimeout("connect timed out"), 504, "upstream_timeout"),
        (httpx.ConnectError("name or service not known"), 502, "upstream_error"),
    ],
)
async def test_unanswered_requests_are_502_or_504(
    service: Service, httpx_mock: HTTPXMock, failure: Exception, status: int, code: str
) -> None:
    httpx_mock.add_exception(failure, url=INVOICE_URL, is_reusable=True)
    body = {"inputs": {"invoiceId": "INV-9"}, "connection": TOKEN_CONNECTION}
    response = await service.client.post("/v1/actions/getInvoice/invoke", json=body, headers=AUTH)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("http_status", "body", "status", "code"),
    [
        (400, graph_error(131047, "(#131047) Re-engagement message"), 422, "upstream_rejected"),
        (
            400,
            graph_error(132001, "(#132001) Template name does not exist"),
            422,
            "upstream_rejected",
        ),
        (400, graph_error(131026, "(#131026) Message undeliverable"), 422, "upstream_rejected"),
        (401, graph_error(190, "Error validating access token"), 424, "connection_error"),
        (400, graph_error(131056, "(#131056) Pair rate limit hit"), 429, "rate_limited"),
        (500, graph_error(131000, "Something went wrong"), 502, "upstream_error"),
        (503, graph_error(131016, "Service unavailable"), 503, "upstream_unavailable"),
    ],
)
async def test_meta_errors_map_by_their_code(
    service: Service,
    httpx_mock: HTTPXMock,
    http_status: int,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    httpx_mock.add_response(
        method="POST", url=MESSAGES_URL, status_code=http_status, json=body, is_reusable=True
    )
    request = {"inputs": {"to": "+919820012345", "body": "Hello"}, "connection": WHATSAPP}
    response = await service.client.post(
        "/v1/actions/sendWhatsAppText/invoke", json=request, headers=AUTH
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_a_missing_graph_object_is_404(service: Service, httpx_mock: HTTPXMock) -> None:
    body = graph_error(100, "Unsupported post request. Object with ID does not exist")
    body["error"]["error_subcode"] = 33
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=400, json=body)
    request = {"inputs": {"to": "+919820012345", "body": "Hello"}, "connection": WHATSAPP}
    response = await service.client.post(
        "/v1/actions/sendWhatsAppText/invoke", json=request, headers=AUTH
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "upstream_not_found"


@pytest.mark.parametrize(("name", "answer", "status", "code", "exit_code"), XERO_CASES)
def test_the_cli_exits_with_the_code_of_the_same_class(
    cli: Callable[..., CliOutcome],
    httpx_mock: HTTPXMock,
    name: str,
    answer: dict[str, Any],
    status: int,
    code: str,
    exit_code: int,
) -> None:
    xero_answer(httpx_mock, answer)
    outcome = cli(
        "run",
        "getInvoice",
        "--input",
        "invoiceId=INV-9",
        "--connection-value",
        json.dumps(TOKEN_CONNECTION),
    )
    assert outcome.code == exit_code
    assert outcome.error["code"] == code
