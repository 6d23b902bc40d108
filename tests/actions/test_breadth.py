"""The receivables-workflow actions (tests/actions/cases/breadth.py): every pinned request, the
share of declarative specs, and the odd cases."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from component.registry import Registry
from tests.actions.cases import XERO_ACTIONS
from tests.actions.cases.breadth import CASES, CN
from tests.actions.harness import Case, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


def test_at_least_85_percent_of_xero_actions_are_declarative(registry: Registry) -> None:
    """Issue 16: plain REST calls stay YAML; only real logic gets a handler."""
    xero = [registry.actions[k].spec for k in XERO_ACTIONS]
    declarative = [s.key for s in xero if s.request is not None]
    assert len(xero) == 73
    assert len(declarative) / len(xero) >= 0.85, len(declarative)


def test_the_component_offers_at_least_78_actions(registry: Registry) -> None:
    assert len(registry.actions) >= 78


@pytest.mark.anyio
async def test_an_allocation_amount_that_is_not_a_number_names_the_input(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    inputs = {"creditNoteId": CN, "invoiceId": CN, "amount": "all of it"}
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("allocateCreditNote", inputs, TOKEN_CONNECTION)
    assert info.value.problems[0].field == "amount"
    assert httpx_mock.get_requests() == []
