"""Request pinning for actions: each case names the exact requests an action must send.

A ``Case`` is an action's inputs plus the ``Exchange``s it must make, in order: method, path
under the API base, the exact query, the exact JSON (or raw) body and any extra headers, with the
canned answer Xero gives. ``run_case`` registers the answers with pytest-httpx, invokes the action
through the executor (as every front end does) and then compares every request sent, header by
header, so a change in what reaches Xero fails a test. The contract test replays the same cases
against the official OpenAPI description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from pytest_httpx import HTTPXMock

from component.executor import Executor
from tests.conftest import TOKEN_CONNECTION

API = "https://api.xero.com/api.xro/2.0"
CONNECTIONS = "https://api.xero.com/connections"
TENANT = TOKEN_CONNECTION["tenantId"]
NO_BODY = object()
SAME = object()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

ENVELOPE = {
    "Id": "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10",
    "Status": "OK",
    "ProviderName": "Xero WhatsApp Reminders",
    "DateTimeUTC": "/Date(1783500000000)/",
}


def envelope(**body: Any) -> dict[str, Any]:
    """A Xero answer: the common envelope plus ``body``."""
    return {**ENVELOPE, **body}


@dataclass(frozen=True)
class Exchange:
    """One request the action must send, and Xero's answer to it."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = NO_BODY
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    response: Any = field(default_factory=lambda: envelope())
    response_content: bytes | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    base: str = API

    @property
    def url(self) -> str:
        return f"{self.base}{self.path}"


@dataclass(frozen=True)
class Case:
    key: str
    inputs: dict[str, Any]
    exchanges: list[Exchange]
    #: The action's expected data; SAME means "the last answer's JSON, untouched".
    output: Any = SAME
    name: str = "pinned"

    @property
    def id(self) -> str:
        return f"{self.key}: {self.name}"


#: A mock in front of the canned answers: (request, canned answer) → what is answered.
Through = Callable[[httpx.Request, httpx.Response], httpx.Response]


def canned(exchange: Exchange) -> httpx.Response:
    """Xero's answer to the exchange, as an httpx response."""
    kwargs: dict[str, Any] = {}
    if exchange.response_content is not None:
        kwargs["content"] = exchange.response_content
    elif exchange.status != 204 and exchange.response is not None:
        kwargs["json"] = exchange.response
    return httpx.Response(exchange.status, headers=exchange.response_headers, **kwargs)


def register(
    httpx_mock: HTTPXMock, exchanges: list[Exchange], through: Through | None = None
) -> None:
    for exchange in exchanges:

        def respond(request: httpx.Request, exchange: Exchange = exchange) -> httpx.Response:
            answer = canned(exchange)
            return through(request, answer) if through is not None else answer

        httpx_mock.add_callback(
            respond, method=exchange.method, url=httpx.URL(exchange.url, params=exchange.query)
        )


async def run_case(
    executor: Executor, httpx_mock: HTTPXMock, case: Case, through: Through | None = None
) -> Any:
    """Invoke the case's action and check every request it sent; returns the action's data.

    ``through`` puts a mock in front of the canned answers (the contract test's validating mock
    of the official spec answers 4xx to a request the spec rejects, so the action fails)."""
    register(httpx_mock, case.exchanges, through)
    result = await executor.invoke(case.key, case.inputs, TOKEN_CONNECTION)
    sent = httpx_mock.get_requests()
    assert len(sent) == len(case.exchanges), [f"{r.method} {r.url}" for r in sent]
    for request, exchange in zip(sent, case.exchanges, strict=True):
        check_request(request, exchange)
    if case.output is not SAME:
        assert result["data"] == case.output
    elif case.exchanges[-1].response_content is None and case.exchanges[-1].status != 204:
        assert result["data"] == case.exchanges[-1].response
    return result["data"]


def check_request(request: httpx.Request, exchange: Exchange) -> None:
    """The request is exactly the exchange's: method, URL, query, body and headers."""
    assert request.method == exchange.method
    assert str(request.url.copy_with(query=None)) == exchange.url
    assert dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)) == exchange.query
    if exchange.body is not NO_BODY:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == exchange.body
    elif exchange.content is not None:
        assert request.content == exchange.content
    else:
        assert request.content == b""
    assert request.headers["Authorization"] == f"Bearer {TOKEN_CONNECTION['accessToken']}"
    if exchange.base == API:
        assert request.headers["Xero-tenant-Id"] == TENANT
    else:
        assert "Xero-tenant-Id" not in request.headers
    if exchange.method in ("PUT", "POST"):
        assert UUID.match(request.headers["Idempotency-Key"]), "writes carry an Idempotency-Key"
    else:
        assert "Idempotency-Key" not in request.headers
    for name, value in exchange.headers.items():
        assert request.headers.get(name) == value, name
