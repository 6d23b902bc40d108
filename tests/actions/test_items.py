"""Items actions: every pinned request (tests/actions/cases/items.py) and the odd cases."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from tests.actions.cases.items import CASES
from tests.actions.harness import Case, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


@pytest.mark.anyio
async def test_a_unit_price_that_is_not_a_number_is_an_input_error(executor: Executor) -> None:
    inputs = {"itemCode": "COT-500", "salesUnitPrice": "82,20"}
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("createItem", inputs, TOKEN_CONNECTION)
    assert info.value.problems[0].field == "salesUnitPrice"
