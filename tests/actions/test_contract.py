"""Contract: every request every action builds is an operation of Xero's official OpenAPI files.

Each pinned case (tests/actions/cases/) is replayed through the validating mock of the official
spec (``tests.xero.openapi.answer``): a request the spec rejects gets the mock's 4xx, so the action
itself fails, and every request must also pass ``tests.xero.openapi.check``: it matches an
operation of ``xero_accounting.yaml`` (or ``xero-identity.yaml`` for the tenant list) by method and
path template, sends only declared query parameters and headers, each valid under its schema,
every required parameter, a body exactly when the operation takes one, in a media type it accepts
and valid against its schema, and an ``Accept`` the operation can satisfy. The tests skip, saying
so, where ``../shared/specs`` is absent.
"""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component.executor import Executor
from component.registry import Registry as SpecRegistry
from tests.actions.cases import ALL, XERO_ACTIONS
from tests.actions.harness import Case, run_case
from tests.xero.openapi import answer, check, require_openapi


@pytest.fixture
def openapi() -> None:
    require_openapi()


def test_every_action_has_pinned_requests(registry: SpecRegistry) -> None:
    assert len(XERO_ACTIONS) == 73
    assert sorted(set(XERO_ACTIONS) - set(registry.actions)) == []
    assert sorted(set(XERO_ACTIONS) - {case.key for case in ALL}) == []


@pytest.mark.anyio
@pytest.mark.usefixtures("openapi")
@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
async def test_requests_match_the_official_spec(
    executor: Executor, httpx_mock: HTTPXMock, case: Case
) -> None:
    await run_case(executor, httpx_mock, case, through=answer)
    for request in httpx_mock.get_requests():
        check(request)


@pytest.mark.usefixtures("openapi")
def test_the_checker_rejects_what_xero_does_not_document() -> None:
    """The contract check is not a rubber stamp: an HTTP DELETE of an invoice, an undeclared
    parameter, an account type Xero does not know and a payment reversal body in the wrong
    shape all fail."""
    delete = httpx.Request("DELETE", "https://api.xero.com/api.xro/2.0/Invoices/abc")
    with pytest.raises(AssertionError, match="is no operation"):
        check(delete)
    headers = {"Xero-tenant-Id": "t"}
    odd = httpx.Request("GET", "https://api.xero.com/api.xro/2.0/Items?page=2", headers=headers)
    with pytest.raises(AssertionError, match="'page' is not declared"):
        check(odd)
    unknown_type = httpx.Request(
        "PUT",
        "https://api.xero.com/api.xro/2.0/Accounts",
        headers=headers,
        json={"Code": "205", "Type": "SALES-ISH"},
    )
    with pytest.raises(AssertionError, match="'SALES-ISH' is not one of"):
        check(unknown_type)
    reversal = httpx.Request(
        "POST",
        "https://api.xero.com/api.xro/2.0/Payments/e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        headers={**headers, "Idempotency-Key": "k"},
        json={"Payments": [{"Status": "DELETED"}]},
    )
    with pytest.raises(AssertionError, match="'Status' is a required property"):
        check(reversal)


@pytest.mark.usefixtures("openapi")
def test_the_mock_refuses_what_the_spec_does_not_accept() -> None:
    """Issue 10 items 20 and 21, as the validating mock answers them: an attachment uploaded as
    its own type (415), downloaded with ``Accept: text/plain`` (406), and an ``If-Modified-Since``
    without an offset (400); the forms the actions now send pass."""
    base = "https://api.xero.com/api.xro/2.0/Invoices/3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"
    headers = {"Xero-tenant-Id": "t", "Idempotency-Key": "k"}
    ok = httpx.Response(200, json={})
    upload = {**headers, "Content-Type": "text/plain"}
    refused = answer(
        httpx.Request("PUT", f"{base}/Attachments/a.txt", headers=upload, content=b"x"), ok
    )
    assert refused.status_code == 415
    assert "application/octet-stream" in refused.json()["problems"][0]
    octets = {**headers, "Content-Type": "application/octet-stream"}
    put = httpx.Request("PUT", f"{base}/Attachments/a.txt", headers=octets, content=b"x")
    assert answer(put, ok) is ok
    download = {"Xero-tenant-Id": "t", "contentType": "text/plain"}
    text = httpx.Request(
        "GET", f"{base}/Attachments/a.txt", headers={**download, "Accept": "text/plain"}
    )
    assert answer(text, ok).status_code == 406
    octet = {**download, "Accept": "application/octet-stream"}
    assert answer(httpx.Request("GET", f"{base}/Attachments/a.txt", headers=octet), ok) is ok
    listing = "https://api.xero.com/api.xro/2.0/Invoices"
    naive = {"Xero-tenant-Id": "t", "If-Modified-Since": "2026-01-01T00:00:00"}
    refused = answer(httpx.Request("GET", listing, headers=naive), ok)
    assert refused.status_code == 400
    assert "explicit offset" in refused.json()["problems"][0]
    for stamp in ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+05:30"):
        aware = {"Xero-tenant-Id": "t", "If-Modified-Since": stamp}
        assert answer(httpx.Request("GET", listing, headers=aware), ok) is ok
