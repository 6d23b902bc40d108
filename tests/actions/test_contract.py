"""Contract: every request every action builds is an operation of Xero's official OpenAPI files.

Each pinned case (tests/actions/cases/) is replayed with pytest-httpx capturing the requests, and
every request must pass ``tests.xero.openapi.check``: it matches an operation of
``xero_accounting.yaml`` (or ``xero-identity.yaml`` for the tenant list) by method and path
template, sends only declared query parameters and headers, sends every required parameter, and
carries a body exactly when the operation takes one, valid against the operation's schema. The
tests skip, saying so, where ``../shared/specs`` is absent.
"""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component.executor import Executor
from component.registry import Registry as SpecRegistry
from tests.actions.cases import ALL, XERO_ACTIONS
from tests.actions.harness import Case, run_case
from tests.xero.openapi import check, require_openapi


@pytest.fixture
def openapi() -> None:
    require_openapi()


def test_every_action_has_pinned_requests(registry: SpecRegistry) -> None:
    assert len(XERO_ACTIONS) == 42
    assert sorted(set(XERO_ACTIONS) - set(registry.actions)) == []
    assert sorted(set(XERO_ACTIONS) - {case.key for case in ALL}) == []


@pytest.mark.anyio
@pytest.mark.usefixtures("openapi")
@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
async def test_requests_match_the_official_spec(
    executor: Executor, httpx_mock: HTTPXMock, case: Case
) -> None:
    await run_case(executor, httpx_mock, case)
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
