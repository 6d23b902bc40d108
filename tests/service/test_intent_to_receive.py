"""Xero's Intent to Receive, run by the sandbox against the service's /webhooks/xero."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from tests.service.conftest import BASE, Stack
from tests.storage import postgres_backends
from tests.storage.postgres_backends import both_backends

# The test marked ``both_backends`` runs on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py): the signed empty payloads reach the ingest path, which
# must store no event. The other two check the signature's answer only and run once.
settings = postgres_backends.settings
store_backend = postgres_backends.sqlite_unless_marked
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio
URL = f"{BASE}/webhooks/xero"


@both_backends
async def test_service_passes_intent_to_receive(stack: Stack) -> None:
    report = await stack.sandbox.xero.webhooks.intent_check(URL, rounds=3)
    assert report["passed"] is True
    attempts = report["attempts"]
    assert sorted(a["signature"] for a in attempts) == ["correct"] * 3 + ["incorrect"] * 3
    for attempt in attempts:
        expected = 200 if attempt["signature"] == "correct" else 401
        assert attempt["status"] == expected
        assert attempt["body_empty"] is True
    assert (
        stack.service.runtime.store.events.counts()["queued"] == 0
    )  # empty payloads store nothing


async def test_intent_to_receive_through_the_sandbox_control_api(stack: Stack) -> None:
    response = await stack.sandbox_client.post("/_sandbox/xero/intent-check", json={"url": URL})
    assert response.status_code == 200
    assert response.json()["passed"] is True


async def test_a_service_with_another_key_fails_the_check(
    make_stack: Any, stack_config: Any
) -> None:
    stack: Stack = await make_stack(
        config=stack_config.model_copy(
            update={"xero_webhook_key": SecretStr("not-the-subscription-key")}
        )
    )
    report = await stack.sandbox.xero.webhooks.intent_check(URL)
    assert report["passed"] is False
    correct = [a for a in report["attempts"] if a["signature"] == "correct"]
    assert {a["status"] for a in correct} == {401}
