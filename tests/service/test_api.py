"""The /v1 JSON action API: keys, catalogue, invocation, and every error with its status."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component.config import Settings
from tests.conftest import TOKEN_CONNECTION
from tests.service.conftest import API_KEY, Service, ServiceFactory
from tests.storage import postgres_backends
from tests.storage.postgres_backends import both_backends

# The tests marked ``both_backends`` run on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py): calls share the store's rate ledger, connections are
# looked up in it, readiness counts its events. Keys, the catalogue and parsing run once.
settings = postgres_backends.settings
store_backend = postgres_backends.sqlite_unless_marked
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {API_KEY}"}
XERO = "https://api.xero.com/api.xro/2.0"
INVOICE = {"Invoices": [{"InvoiceID": "3b5e8c1d", "InvoiceNumber": "INV-0142"}]}


async def invoke(service: Service, key: str, body: Any = None, **kw: Any) -> Any:
    return await service.client.post(f"/v1/actions/{key}/invoke", json=body, headers=AUTH, **kw)


# ----------------------------------------------------------------------------- keys
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {API_KEY}"},
        {"Authorization": "Bearer "},
        {"Authorization": API_KEY},
    ],
)
async def test_no_or_wrong_key_gets_401(service: Service, headers: dict[str, str]) -> None:
    for method, path in (
        ("GET", "/v1/actions"),
        ("GET", "/v1/manifest"),
        ("POST", "/v1/actions/getInvoice/invoke"),
    ):
        response = await service.client.request(method, path, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


async def test_any_configured_key_and_scheme_case(service: Service) -> None:
    for header in (f"Bearer {API_KEY}", f"bearer {API_KEY}", "Bearer other-key"):
        response = await service.client.get("/v1/actions", headers={"Authorization": header})
        assert response.status_code == 200


async def test_no_keys_configured_refuses_everything(
    make_service: ServiceFactory, api_settings: Settings
) -> None:
    settings = api_settings.model_copy(update={"xero_wa_api_keys": None})
    service: Service = await make_service(settings=settings)
    response = await service.client.get("/v1/actions", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert "XERO_WA_API_KEYS" in response.json()["error"]["message"]


# ----------------------------------------------------------------------------- catalogue
async def test_list_and_describe_actions(service: Service) -> None:
    listed = (await service.client.get("/v1/actions", headers=AUTH)).json()["data"]
    keys = [a["key"] for a in listed]
    assert "getInvoice" in keys
    assert keys == sorted(keys)
    one = (await service.client.get("/v1/actions/getInvoice", headers=AUTH)).json()["data"]
    assert [i["key"] for i in one["inputs"]] == ["invoiceId", "xeroConnection"]


async def test_unknown_action_is_404_with_suggestions(service: Service) -> None:
    response = await service.client.get("/v1/actions/getInvoce", headers=AUTH)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_key"
    assert "getInvoice" in error["details"]["suggestions"]
    assert (await invoke(service, "getInvoce", {})).status_code == 404


async def test_manifest_lists_both_triggers_without_secrets(service: Service) -> None:
    response = await service.client.get("/v1/manifest", headers=AUTH)
    manifest = response.json()
    triggers = {t["key"]: t for t in manifest["triggers"]}
    webhooks = {k for k, t in triggers.items() if t["kind"] == "webhook"}
    assert webhooks == {"webhook", "whatsappStatusWebhook"}
    assert triggers["webhook"]["path"] == "/webhooks/xero"
    (key_input,) = triggers["webhook"]["inputs"]
    assert (key_input["key"], key_input["example"]) == ("webhookKey", "***")


# ----------------------------------------------------------------------------- invoking
@both_backends
async def test_invoke_returns_data(service: Service, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{XERO}/Invoices/INV-0142",
        match_headers={"Xero-tenant-Id": "tenant-1", "Authorization": "Bearer test-access-token"},
        json=INVOICE,
    )
    body = {"inputs": {"invoiceId": "INV-0142"}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "getInvoice", body)
    assert response.status_code == 200
    assert response.json() == {"data": INVOICE}


@both_backends
async def test_rate_limit_is_429(service: Service, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{XERO}/Invoices/INV-1",
        status_code=429,
        headers={"X-Rate-Limit-Problem": "day", "Retry-After": "40000"},
    )
    body = {"inputs": {"invoiceId": "INV-1"}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "getInvoice", body)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"


@both_backends
async def test_no_connection_is_424(service: Service) -> None:
    response = await invoke(service, "getInvoice", {"inputs": {"invoiceId": "INV-1"}})
    assert response.status_code == 424
    assert response.json()["error"]["code"] == "connection_error"
    named = await invoke(
        service, "getInvoice", {"inputs": {"invoiceId": "1"}, "connection": "nope"}
    )
    assert named.status_code == 424


async def test_bad_inputs_are_400_naming_every_field(service: Service) -> None:
    response = await invoke(service, "getInvoice", {"inputs": {"invoiceID": "x"}})
    assert response.status_code == 400
    fields = {f["field"]: f["reason"] for f in response.json()["error"]["details"]["fields"]}
    assert fields["invoiceId"] == "is required"
    assert "unknown input" in fields["invoiceID"]


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (b'{"inputs": {', "body", "invalid JSON at line 1 column 13"),
        (b"[1, 2]", "body", "expected a JSON object"),
        (b'"text"', "body", "expected a JSON object"),
        (b'{"inputs": [1]}', "inputs", "expected an object, got an array"),
        (b'{"connection": 7}', "connection", "got a number"),
        (b'{"input": {}}', "input", "unknown field"),
        (b'{"inputs": "\xc3\x28"}', "body", "UTF-8"),
    ],
)
async def test_malformed_body_is_400_naming_the_problem(
    service: Service, content: bytes, field: str, words: str
) -> None:
    response = await service.client.post(
        "/v1/actions/getInvoice/invoke", content=content, headers=AUTH
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "input_error"
    reasons = {f["field"]: f["reason"] for f in error["details"]["fields"]}
    assert words in reasons[field]


async def test_body_over_the_limit_is_413(make_service: ServiceFactory) -> None:
    from tests.service.conftest import service_config

    service: Service = await make_service(config=service_config(xero_wa_max_body_bytes=1000))
    response = await invoke(service, "getInvoice", {"inputs": {"invoiceId": "x" * 2000}})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


# ----------------------------------------------------------------------------- data sources
@both_backends
async def test_datasource_by_get_and_post(service: Service, httpx_mock: HTTPXMock) -> None:
    unknown = await service.client.get("/v1/datasources/selectNothing", headers=AUTH)
    assert unknown.status_code == 404
    no_connection = await service.client.get("/v1/datasources/selectContact", headers=AUTH)
    assert no_connection.status_code == 424
    bad_page = await service.client.get(
        "/v1/datasources/selectContact", params={"page": "zero"}, headers=AUTH
    )
    assert bad_page.status_code == 400
    httpx_mock.add_response(
        json={"Contacts": [{"ContactID": "c-1", "Name": "Priya Textiles"}], "pagination": {}}
    )
    response = await service.client.post(
        "/v1/datasources/selectContact/invoke",
        json={"inputs": {"search": "Priya"}, "connection": TOKEN_CONNECTION},
        headers=AUTH,
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["key"] == "c-1"


# ----------------------------------------------------------------------------- the rest
async def test_unknown_route_and_method_answer_json(service: Service) -> None:
    missing = await service.client.get("/v2/anything", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = await service.client.delete("/v1/actions", headers=AUTH)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


@both_backends
async def test_health_and_readiness(service: Service) -> None:
    assert (await service.client.get("/healthz")).json() == {"status": "ok"}
    ready = await service.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert body["events"] == {"queued": 0, "working": 0, "done": 0, "parked": 0}
    assert body["warnings"] == []


async def test_request_id_is_echoed_or_made(service: Service) -> None:
    given = await service.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await service.client.get("/healthz", headers={"X-Request-Id": "bad id\twith tabs"})
    assert made.headers["x-request-id"] != "bad id\twith tabs"
    assert len(made.headers["x-request-id"]) == 16
