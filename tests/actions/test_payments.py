"""Payments actions: every pinned request (tests/actions/cases/payments.py) and the odd cases."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from tests.actions.cases.payments import CASES
from tests.actions.harness import Case, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


@pytest.mark.anyio
async def test_a_payment_amount_that_is_not_a_number_names_the_input(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    inputs = {
        "invoiceId": "INV-0142",
        "accountId": "090",
        "paymentAmount": "twenty thousand",
        "dateString": "2026-07-08",
    }
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("payInvoice", inputs, TOKEN_CONNECTION)
    assert info.value.problems[0].field == "paymentAmount"
    assert "expected a number" in info.value.problems[0].reason
    assert httpx_mock.get_requests() == []
