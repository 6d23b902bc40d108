"""Invoices actions: every pinned request (tests/actions/cases/invoices.py) and the odd cases."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component.executor import Executor
from tests.actions.cases.invoices import CASES
from tests.actions.harness import Case, run_case


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)
