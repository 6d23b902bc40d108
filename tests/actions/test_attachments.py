"""Attachments actions: every pinned request (tests/actions/cases/attachments.py) and the odd cases."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from tests.actions.cases.attachments import CASES
from tests.actions.harness import Case, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


@pytest.mark.anyio
async def test_an_object_type_without_attachments_lists_the_valid_ones(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    inputs = {"objectType": "Payments", "objectId": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"}
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("listAttachments", inputs, TOKEN_CONNECTION)
    assert info.value.problems[0].field == "objectType"
    assert "'Payments' has no attachments in Xero; use one of Accounts," in info.value.message
    assert httpx_mock.get_requests() == []
