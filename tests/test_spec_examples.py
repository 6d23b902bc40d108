"""Runs every ``examples:`` entry of every spec: inputs → mocked HTTP → expected output.

Each exchange is registered with pytest-httpx, so an example also proves that no other request
is made and that every declared request was sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor, Kind
from component.registry import Registry
from component.spec.models import SpecExample
from component.values import to_jsonable
from tests.conftest import TOKEN_CONNECTION


def collect() -> list[Any]:
    registry = Registry.load()
    cases = []
    for kind, table in (("action", registry.actions), ("dataSource", registry.datasources)):
        for key, loaded in sorted(table.items()):
            for example in loaded.spec.examples:
                cases.append(pytest.param(kind, key, example, id=f"{key}: {example.name}"))
    return cases


async def run_example(
    executor: Executor, httpx_mock: HTTPXMock, kind: Kind, key: str, example: SpecExample
) -> None:
    for exchange in example.http:
        httpx_mock.add_response(
            method=exchange.method,
            url=exchange.url,
            match_headers=exchange.match_headers,
            match_json=exchange.match_json,
            status_code=exchange.status,
            json=exchange.json_body,
            text=exchange.text,
            headers=exchange.headers,
        )
    connection = example.connection or TOKEN_CONNECTION
    if example.error_code is not None:
        with pytest.raises(errors.XeroWaError) as info:
            await executor.invoke(key, example.inputs, connection, kind=kind)
        assert info.value.code == example.error_code
        return
    result = await executor.invoke(key, example.inputs, connection, kind=kind)
    assert to_jsonable(result["data"]) == example.output


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "key", "example"), collect())
async def test_spec_example(
    executor: Executor, httpx_mock: HTTPXMock, kind: Kind, key: str, example: SpecExample
) -> None:
    await run_example(executor, httpx_mock, kind, key, example)


def test_examples_exist() -> None:
    """The runner above must have something to run."""
    assert len(collect()) >= 2


@pytest.mark.anyio
async def test_a_wrong_example_fails(
    executor: Executor, httpx_mock: HTTPXMock, registry: Registry
) -> None:
    """The runner is not a rubber stamp: a mismatching expected output fails the example."""
    example = SpecExample.model_validate(
        {
            "name": "wrong",
            "inputs": {"invoiceId": "INV-1"},
            "http": [
                {
                    "method": "GET",
                    "url": "https://api.xero.com/api.xro/2.0/Invoices/INV-1",
                    "json": {"Invoices": []},
                }
            ],
            "output": {"Invoices": [{"InvoiceID": "other"}]},
        }
    )
    with pytest.raises(AssertionError):
        await run_example(executor, httpx_mock, "action", "getInvoice", example)
