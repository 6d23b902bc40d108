"""Fuzzing the service: no request makes it answer 5xx, read an unbounded body, or parse a large
body on its event loop.

Two sources of requests, both seeded (hypothesis ``derandomize``), against the whole app with its
lifespan, served in-process on one event loop (an anyio portal) and backed by the embedded sandbox:

- schemathesis over the service's own ``/openapi.json``: every action's invoke with its input
  schema, the data sources, the webhooks (half of them correctly signed), the fixed routes.
  Half the cases carry the sandbox's working connection, so handlers really run against an
  emulated Xero and WhatsApp; the others keep the generated (junk) connection;
- hand-made junk bodies (``tests/service/junk.py``) on every route the app has, including the
  web app, OAuth, ``/mcp``, ``/healthz`` and ``/readyz``, with and without API key and signature.

A 5xx is a bug: a crash, or an error mapped to the wrong class. The sandbox answers like Xero
and Meta (4xx for what they refuse), and nothing here makes it fail, so the service has no
reason to answer 5xx to any of these.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette

from component import bounded_json
from component.clock import FakeClock
from component.config import SANDBOX_BASE, Settings
from component.inputs import InputSet
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.app import create_app as create_sandbox_app
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import demo_connections
from component.sandbox.faults import SandboxTransport
from component.sandbox.state import build_sandbox
from component.service import state as service_state
from component.service.app import create_app
from component.service.webhooks_whatsapp import sign as sign_whatsapp
from component.service.webhooks_xero import sign as sign_xero
from tests.service.conftest import API_KEY, BASE, service_config
from tests.service.junk import JUNK_BODIES, targets

AUTH = f"Bearer {API_KEY}"
#: Generated cases per operation: enough to try each input type; the suite stays fast.
EXAMPLES = 4


@dataclass
class Served:
    """The service app on one event loop, reached from the (synchronous) test through a portal."""

    app: Starlette
    portal: BlockingPortal
    client: httpx.AsyncClient
    connections: dict[str, dict[str, Any]]
    sandbox_config: SandboxConfig
    calls: int = 0

    def request(self, **kwargs: Any) -> httpx.Response:
        return self.portal.call(lambda: self.client.request(**kwargs))

    def signed(self, path: str, body: bytes) -> dict[str, str]:
        if path == "/webhooks/xero":
            return {"x-xero-signature": sign_xero(self.sandbox_config.xero.webhook_key, body)}
        secret = self.sandbox_config.whatsapp.app_secret
        return {"X-Hub-Signature-256": sign_whatsapp(secret, body)}


@pytest.fixture
def served(tmp_path: Path, registry: Registry) -> Iterator[Served]:
    clock = FakeClock()
    sandbox_config = SandboxConfig()
    sandbox = build_sandbox(clock=clock, config=sandbox_config)
    sandbox_app = create_sandbox_app(sandbox)
    connections = demo_connections(sandbox)
    settings_ = Settings(  # type: ignore[call-arg]
        _env_file=None, xero_wa_home=tmp_path / "home", xero_wa_api_keys=API_KEY
    ).for_sandbox(SANDBOX_BASE)
    runtime = Runtime(
        settings=settings_,
        registry=registry,
        clock=clock,
        transport=SandboxTransport(app=sandbox_app),
    )
    config = service_config(
        xero_webhook_key=sandbox_config.xero.webhook_key,
        whatsapp_app_secret=sandbox_config.whatsapp.app_secret,
        whatsapp_verify_token=sandbox_config.whatsapp.verify_token,
    )
    app = create_app(
        runtime,
        config,
        xero_connection=connections["xero"],
        whatsapp_connection=connections["whatsapp"],
    )
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE
        )
        try:
            yield Served(app, portal, client, connections, sandbox_config)
        finally:
            portal.call(client.aclose)
            portal.call(runtime.aclose)


def spec_of(registry: Registry, path: str) -> Any:
    """The action or data source behind an invoke path (None for other routes)."""
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "v1":
        return None
    kind, key = parts[1], parts[2]
    if kind == "actions" and key in registry.actions:
        return registry.actions[key].spec
    if kind == "datasources" and key in registry.datasources:
        return registry.datasources[key].spec
    return None


def prepared(case: Any, served: Served, registry: Registry) -> dict[str, Any]:
    """The request of a generated case, with the API key; every other case also carries the
    sandbox's working connections (main and extra), or a correct webhook signature."""
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=BASE)
    kwargs["headers"]["Authorization"] = AUTH
    kwargs.pop("cookies", None)
    served.calls += 1
    working = served.calls % 2 == 1
    path = case.formatted_path
    spec = spec_of(registry, path)
    body = kwargs.get("json")
    if working and spec is not None and spec.connection and isinstance(body, dict):
        body["connection"] = served.connections[spec.connection]
        inputs = body.get("inputs")
        for extra, extra_family in registry.extra_connection_inputs(spec):
            if isinstance(inputs, dict):
                inputs[extra.key] = served.connections[extra_family]
    if path.startswith("/webhooks/") and case.method == "POST" and "json" in kwargs:
        raw = json.dumps(kwargs.pop("json")).encode()
        kwargs["content"] = raw
        if working:
            kwargs["headers"].update(served.signed(path, raw))
    return kwargs


def test_no_generated_request_makes_the_service_answer_5xx(
    served: Served, registry: Registry
) -> None:
    """Every operation of the served document, a few seeded cases each (the pytest plugin of
    schemathesis does not support this pytest version, so operations are iterated here)."""
    document = served.request(method="GET", url="/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    statuses: dict[int, int] = {}
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
            derandomize=True,
        )
        def check(case: Any) -> None:
            response = served.request(**prepared(case, served, registry))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        check()
    # every action, every data source (GET and invoke), the webhooks and the fixed routes
    assert operations >= len(registry.actions) + 2 * len(registry.datasources) + 3
    assert failures == []
    assert statuses.get(200, 0) > operations // 2  # handlers really ran, not only refusals


@pytest.mark.parametrize(
    ("name", "body", "content_type"), JUNK_BODIES, ids=[j[0] for j in JUNK_BODIES]
)
def test_junk_bodies_on_every_route_are_never_a_5xx(
    served: Served, name: str, body: bytes, content_type: str
) -> None:
    failures = []
    tried = 0
    for target in targets(served.app):
        for signed in (False, True):
            headers = {"Content-Type": content_type, "Authorization": AUTH}
            if signed and target.path.startswith("/webhooks/"):
                headers.update(served.signed(target.path, body))
            elif signed:
                continue
            response = served.request(
                method=target.method, url=target.path, content=body, headers=headers
            )
            tried += 1
            if response.status_code >= 500:
                failures.append(f"{target.method} {target.path} -> {response.status_code}")
    assert tried > 30
    assert failures == []


def test_a_large_body_is_parsed_and_validated_off_the_event_loop(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps /healthz answering while someone sends a megabyte of JSON: parsing it and
    validating the inputs it holds run in a worker thread (checked by thread, not by timing)."""
    parsed: list[int] = []
    cleaned: list[int] = []
    parse, clean = bounded_json.loads, InputSet.clean

    def recording_parse(data: bytes | str) -> Any:
        parsed.append(threading.get_ident())
        return parse(data)

    def recording_clean(self: InputSet, *args: Any, **kwargs: Any) -> Any:
        cleaned.append(threading.get_ident())
        return clean(self, *args, **kwargs)

    monkeypatch.setattr(bounded_json, "loads", recording_parse)
    monkeypatch.setattr(InputSet, "clean", recording_clean)
    loop_thread = served.portal.call(_thread_id)
    big = {"inputs": {"where": "x" * 500_000}}
    small = {"inputs": {"where": "x"}}
    for body in (big, small):
        for path in ("/v1/actions/listInvoices/invoke", "/webhooks/xero", "/webhooks/whatsapp"):
            raw = json.dumps(body).encode()
            headers = {"Authorization": AUTH}
            if path.startswith("/webhooks/"):
                headers.update(served.signed(path, raw))
            served.request(method="POST", url=path, content=raw, headers=headers)
    big_parses, small_parses = parsed[:3], parsed[3:]
    assert len(big_parses) == 3
    assert loop_thread not in big_parses
    assert small_parses == [loop_thread] * 3  # small bodies stay on the loop: no thread hop
    assert len(cleaned) == 2
    assert cleaned[0] != loop_thread
    assert cleaned[1] == loop_thread


def test_fixed_documents_are_encoded_once_before_serving(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OpenAPI document, the manifest and the action list take tens of milliseconds to
    encode: the lifespan does it in a thread, and requests only send the bytes."""

    def no_encoding(data: Any) -> bytes:
        raise AssertionError("encoded while serving a request")

    monkeypatch.setattr(service_state, "json_bytes", no_encoding)
    for path in ("/openapi.json", "/v1/manifest", "/v1/actions"):
        response = served.request(method="GET", url=path, headers={"Authorization": AUTH})
        assert response.status_code == 200
        assert response.json()


async def _thread_id() -> int:
    return threading.get_ident()


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
