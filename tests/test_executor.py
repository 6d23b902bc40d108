"""The executor end to end over pytest-httpx: the exact requests Xero gets, and every error path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from tests.conftest import TOKEN_CONNECTION

API = "https://api.xero.com/api.xro/2.0"
BEARER = {"Authorization": "Bearer test-access-token"}


def page(n: int, count: int, size: int = 1000) -> dict[str, Any]:
    items = [{"InvoiceID": f"inv-{n}-{i}"} for i in range(2)]
    return {
        "Status": "OK",
        "pagination": {"page": n, "pageSize": size, "pageCount": count, "itemCount": 2 * count},
        "Invoices": items,
    }


@pytest.mark.anyio
async def test_get_invoice_sends_exactly_one_request(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/Invoices/3b5e8c1d-7f2a",
        match_headers={**BEARER, "Xero-tenant-Id": "tenant-1", "Accept": "application/json"},
        json={"Invoices": [{"InvoiceID": "3b5e8c1d-7f2a", "InvoiceNumber": "INV-0142"}]},
    )
    result = await executor.invoke("getInvoice", {"invoiceId": "3b5e8c1d-7f2a"}, TOKEN_CONNECTION)
    assert result == {
        "data": {"Invoices": [{"InvoiceID": "3b5e8c1d-7f2a", "InvoiceNumber": "INV-0142"}]}
    }
    (request,) = httpx_mock.get_requests()
    assert "Idempotency-Key" not in request.headers  # reads carry none


@pytest.mark.anyio
async def test_list_invoices_one_page_with_where_and_modified_after(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=httpx.URL(f"{API}/Invoices", params={"where": 'Status=="AUTHORISED"', "page": "3"}),
        match_headers={
            **BEARER,
            "Xero-tenant-Id": "tenant-1",
            "If-Modified-Since": "2026-06-01T00:00:00Z",
        },
        json=page(3, 5, 100),
    )
    inputs = {"where": 'Status=="AUTHORISED"', "page": "3", "modifiedAfter": "2026-06-01"}
    result = await executor.invoke("listInvoices", inputs, TOKEN_CONNECTION)
    assert result["data"]["pagination"]["page"] == 3
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_fetch_all_follows_page_count_with_no_extra_call(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    for n in (1, 2, 3):
        httpx_mock.add_response(
            method="GET",
            url=httpx.URL(f"{API}/Invoices", params={"pageSize": "1000", "page": str(n)}),
            match_headers={**BEARER, "Xero-tenant-Id": "tenant-1"},
            json=page(n, 3),
        )
    result = await executor.invoke(
        "listInvoices", {"fetchAll": "true", "page": "7"}, TOKEN_CONNECTION
    )
    ids = [i["InvoiceID"] for i in result["data"]["Invoices"]]
    assert ids == ["inv-1-0", "inv-1-1", "inv-2-0", "inv-2-1", "inv-3-0", "inv-3-1"]
    assert [r.url.params["page"] for r in httpx_mock.get_requests()] == ["1", "2", "3"]


@pytest.mark.anyio
async def test_fetch_all_without_pagination_block_stops_at_a_short_page(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"Invoices": [{"InvoiceID": "only"}]})
    result = await executor.invoke("listInvoices", {"fetchAll": True}, TOKEN_CONNECTION)
    assert result["data"]["Invoices"] == [{"InvoiceID": "only"}]
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_list_connections_calls_the_tenant_list_without_tenant_header(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    tenants = [
        {
            "id": "c1",
            "tenantId": "tenant-1",
            "tenantName": "Priya Textiles",
            "tenantType": "ORGANISATION",
        }
    ]
    httpx_mock.add_response(
        method="GET", url="https://api.xero.com/connections", match_headers=BEARER, json=tenants
    )
    connection = {"type": "xeroToken", "accessToken": "test-access-token"}
    assert await executor.invoke("listConnections", {}, connection) == {"data": tenants}
    (request,) = httpx_mock.get_requests()
    assert "Xero-tenant-Id" not in request.headers


@pytest.mark.anyio
async def test_base_urls_come_from_configuration(
    registry: Any, settings: Any, httpx_mock: HTTPXMock
) -> None:
    from component.runtime import Runtime

    runtime = Runtime(settings=settings.for_sandbox("http://127.0.0.1:8765"), registry=registry)
    httpx_mock.add_response(
        url="http://127.0.0.1:8765/api.xro/2.0/Invoices/x", json={"Invoices": []}
    )
    await Executor(runtime).invoke("getInvoice", {"invoiceId": "x"}, TOKEN_CONNECTION)
    await runtime.aclose()


@pytest.mark.anyio
async def test_input_errors_come_before_any_request(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("getInvoice", {"invoiceID": "x"}, TOKEN_CONNECTION)
    assert [(p.field, p.reason) for p in info.value.problems] == [
        ("invoiceID", "unknown input; did you mean invoiceId?"),
        ("invoiceId", "is required"),
    ]
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
async def test_connection_value_is_validated_and_needs_a_type(executor: Executor) -> None:
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"}, {"accessToken": "t"})
    assert info.value.problems[0].field == "connection.type"
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"}, {"type": "xeroToken"})
    assert str(info.value) == "connection xeroToken: invalid input accessToken: is required"


@pytest.mark.anyio
async def test_connection_may_arrive_as_the_connection_input(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"Invoices": []})
    result = await executor.invoke(
        "getInvoice", {"invoiceId": "x", "xeroConnection": TOKEN_CONNECTION}
    )
    assert result == {"data": {"Invoices": []}}


@pytest.mark.anyio
async def test_no_connection_says_how_to_get_one(executor: Executor) -> None:
    with pytest.raises(errors.ConnectionError) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"})
    assert "no xero connection given" in info.value.message
    assert "xero-wa connect xero" in info.value.message


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "fragment"),
    [
        (
            400,
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [
                    {
                        "InvoiceNumber": "INV-9",
                        "ValidationErrors": [
                            {"Message": "Email address must be valid."},
                            {"Message": "Contact is required."},
                        ],
                    }
                ],
            },
            {},
            errors.UpstreamRejected,
            "element 0 (INV-9): Email address must be valid.; element 0 (INV-9): Contact is required.",
        ),
        (
            401,
            {
                "Title": "Unauthorized",
                "Status": 401,
                "Detail": "TokenExpired: token expired at 07/14/2026",
            },
            {},
            errors.ConnectionError,
            "TokenExpired",
        ),
        (
            403,
            {"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"},
            {},
            errors.ConnectionError,
            "tenant id is wrong",
        ),
        (404, None, {}, errors.UpstreamNotFound, "found nothing"),
        (
            429,
            None,
            {"X-Rate-Limit-Problem": "day", "Retry-After": "3600"},
            errors.RateLimited,
            "day rate limit",
        ),
        (503, None, {}, errors.UpstreamUnavailable, "HTTP 503"),
        (500, None, {}, errors.UpstreamError, "HTTP 500"),
        (504, None, {}, errors.UpstreamTimeout, "HTTP 504"),
        (405, None, {}, errors.UpstreamRejected, "Method Not Allowed"),
    ],
)
async def test_xero_errors_map_to_the_error_tree(
    executor: Executor,
    httpx_mock: HTTPXMock,
    status: int,
    body: Any,
    headers: dict[str, str],
    error: type[errors.XeroWaError],
    fragment: str,
) -> None:
    # Reusable: the client retries a 503 (on the test's FakeClock) before giving up.
    httpx_mock.add_response(status_code=status, json=body, headers=headers, is_reusable=True)
    with pytest.raises(error) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"}, TOKEN_CONNECTION)
    assert type(info.value) is error
    assert fragment in info.value.message
    assert "test-access-token" not in str(info.value.to_dict())


@pytest.mark.anyio
async def test_network_failure_is_a_retryable_upstream_error(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection refused"), is_reusable=True)
    with pytest.raises(errors.UpstreamError) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"}, TOKEN_CONNECTION)
    assert info.value.retryable
    assert (
        info.value.message == "could not reach Xero for getInvoice (GET /Invoices/x) (ConnectError)"
    )


@pytest.mark.anyio
async def test_a_body_that_is_not_json_is_an_upstream_error(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        content=b"<html>maintenance</html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(errors.UpstreamError) as info:
        await executor.invoke("getInvoice", {"invoiceId": "x"}, TOKEN_CONNECTION)
    assert (
        info.value.message
        == "Xero answered GET /api.xro/2.0/Invoices/x with a body that is not JSON (text/html)"
    )


@pytest.mark.anyio
async def test_a_handler_bug_becomes_an_internal_error_with_a_reference(
    executor: Executor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(ctx: Any) -> Any:
        return {}["missing"]

    registry = executor.runtime.registry
    real = registry.handler
    monkeypatch.setattr(
        registry,
        "handler",
        lambda loaded: crash if loaded.spec.key == "listConnections" else real(loaded),
    )
    connection = {"type": "xeroToken", "accessToken": "test-access-token"}
    with pytest.raises(errors.InternalError) as info:
        await executor.invoke("listConnections", {}, connection)
    reference = info.value.details["reference"]
    assert (
        info.value.message
        == f"action listConnections failed unexpectedly (KeyError); reference {reference}"
    )
    assert reference in caplog.text
    assert "Traceback" in caplog.text
