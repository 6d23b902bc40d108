"""Property tests over the service's own /openapi.json: no input makes it answer 5xx.

Schemathesis generates requests for every operation (each action's invoke with its input
schema, the data sources, the webhooks, the catalogue) from the document the service serves.
Upstream services are replaced by a transport that refuses every token (401), so whatever
connection value is generated, the answer is the service's own: a 4xx that names the problem,
or a 200. A 5xx would be a bug: a crash, or an error mapped to the wrong class.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from component.clock import FakeClock
from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.service.app import create_app
from tests.service.conftest import API_KEY, service_config

AUTH = {"Authorization": f"Bearer {API_KEY}"}
#: Generated cases per operation: enough to try each input type; the suite stays fast.
EXAMPLES = 5


def refuse_every_token(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        401, json={"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}
    )


@pytest.fixture
def service_app(tmp_path: Path, registry: Registry) -> Iterator[Any]:
    settings_ = Settings(  # type: ignore[call-arg]
        _env_file=None, xero_wa_home=tmp_path / "home", xero_wa_api_keys=API_KEY
    )
    runtime = Runtime(
        settings=settings_,
        registry=registry,
        clock=FakeClock(),
        transport=httpx.MockTransport(refuse_every_token),
    )
    yield create_app(runtime, service_config())
    runtime.store.close()


def test_no_input_makes_the_service_answer_5xx(service_app: Any, registry: Registry) -> None:
    """Every operation of the served document, a few generated cases each (the pytest plugin
    of schemathesis does not support this pytest version, so operations are iterated here)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", service_app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(headers=AUTH)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        check()
    # every action, every data source (GET and invoke), the webhooks and the fixed routes
    assert operations >= len(registry.actions) + 2 * len(registry.datasources) + 3
    assert failures == []


def test_one_operation_per_action_with_its_input_schema(registry: Registry) -> None:
    from component.inputs import input_schema
    from component.service.openapi import build_openapi

    document = build_openapi(registry)
    invoke_paths = [
        p for p in document["paths"] if p.startswith("/v1/actions/") and p.endswith("/invoke")
    ]
    assert len(invoke_paths) == len(registry.actions)
    operation = document["paths"]["/v1/actions/getInvoice/invoke"]["post"]
    assert operation["operationId"] == "getInvoice"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["inputs"] == input_schema(registry.action("getInvoice").spec.inputs)
    assert body["properties"]["connection"] == {"$ref": "#/components/schemas/Connection"}
    assert "/webhooks/xero" in document["paths"]
    assert "get" in document["paths"]["/webhooks/whatsapp"]
    assert "/v1/datasources/selectContact" in document["paths"]
