"""Contract tests: every Xero endpoint the sandbox serves answers in the shape the official
OpenAPI files (``../shared/specs/xero/``) declare.

Quirks of those files (see ``../shared/specs/SOURCES.md``) shape the checks: only 200/204/400 are
declared, so 401/403/404/429 are covered by behaviour tests instead; ``example``/``default`` values
are strings and are annotations, not validated; Microsoft JSON dates are plain strings. Keys the
sandbox sends that the spec does not declare must be on a short list of fields real Xero sends
anyway (``DateString``, the envelope's ``Id``/``Status``/...), so a typo cannot hide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from component.sandbox.state import SandboxState
from component.sandbox.xero import accounting, connections, identity
from tests.sandbox.conftest import XeroHelper
from tests.sandbox.contract_breadth import BREADTH_CHECKED

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "xero"
ABSENT = f"official Xero OpenAPI files not found at {SPECS} (../shared is absent)"
if not (SPECS / "xero_accounting.yaml").is_file():
    pytest.skip(reason=ABSENT, allow_module_level=True)

pytestmark = pytest.mark.anyio
ACCOUNTING_URI = "urn:xero:accounting"
IDENTITY_URI = "urn:xero:identity"
WEBHOOKS_URI = "urn:xero:webhooks"
#: Fields real Xero sends that the spec does not declare.
REAL_EXTRAS = {
    "Id",
    "Status",
    "ProviderName",
    "DateTimeUTC",
    "DateString",
    "DueDateString",
    "DateUTCString",
    "scope",
}
#: Xero echoes the rejected object inside ``Elements`` whatever its type, so anything goes there.
FREE_FORM = {"Elements"}


def _load(name: str) -> Any:
    return yaml.safe_load((SPECS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def specs() -> dict[str, Any]:
    return {
        ACCOUNTING_URI: _load("xero_accounting.yaml"),
        IDENTITY_URI: _load("xero-identity.yaml"),
        WEBHOOKS_URI: _load("xero-webhooks.yaml"),
    }


@pytest.fixture(scope="module")
def registry(specs: dict[str, Any]) -> Registry[Any]:
    resources = [
        (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        for uri, doc in specs.items()
    ]
    return Registry().with_resources(resources)


def pointer(*parts: str) -> str:
    return "#" + "".join(
        "/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="") for p in parts
    )


class Contract:
    def __init__(self, specs: dict[str, Any], registry: Registry[Any]) -> None:
        self.specs = specs
        self.registry = registry
        self.checked: set[tuple[str, str]] = set()

    def schema_at(self, uri: str, ref: str) -> Any:
        return self.registry.resolver().lookup(f"{uri}{ref}").contents

    def validate(self, uri: str, ref: str, instance: Any) -> None:
        validator = Draft202012Validator({"$ref": f"{uri}{ref}"}, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        extras = self.undeclared(uri, self.schema_at(uri, ref), instance, "")
        assert not extras, f"keys not in the spec: {sorted(extras)}"

    def undeclared(self, uri: str, schema: Any, instance: Any, where: str) -> set[str]:
        """Object keys in ``instance`` that ``schema`` does not declare (outside REAL_EXTRAS)."""
        if not isinstance(schema, dict):
            return set()
        if "$ref" in schema:
            target = schema["$ref"]
            return self.undeclared(
                uri,
                self.schema_at(uri, target)
                if target.startswith("#")
                else self.schema_at("", target),
                instance,
                where,
            )
        found: set[str] = set()
        for sub in schema.get("allOf", []):
            found |= self.undeclared(uri, sub, instance, where)
        if isinstance(instance, list) and "items" in schema:
            for item in instance:
                found |= self.undeclared(uri, schema["items"], item, where + "[]")
        props = schema.get("properties")
        if isinstance(instance, dict) and props is not None:
            for key, value in instance.items():
                if key in FREE_FORM:
                    continue
                if key in props:
                    found |= self.undeclared(uri, props[key], value, f"{where}.{key}")
                elif key not in REAL_EXTRAS:
                    found.add(f"{where}.{key}")
        return found

    def response(self, method: str, spec_path: str, response: httpx.Response) -> None:
        """Validate ``response`` against ``spec_path``/``method`` in the accounting spec."""
        op = self.specs[ACCOUNTING_URI]["paths"][spec_path][method.lower()]
        status = str(response.status_code)
        assert status in op["responses"], f"{method} {spec_path} may not answer {status}"
        declared = op["responses"][status]
        base = ("paths", spec_path, method.lower(), "responses", status)
        if "$ref" in declared:
            name = declared["$ref"].rsplit("/", 1)[-1]
            base = ("components", "responses", name)
            declared = self.specs[ACCOUNTING_URI]["components"]["responses"][name]
        content = declared.get("content") or {}
        if not content or all(not c.get("schema") for c in content.values()):
            if status == "204":
                assert response.content == b""
            self.checked.add((method, spec_path))
            return
        media = response.headers.get("content-type", "").split(";")[0]
        assert media in content, f"{method} {spec_path}: {media} not in {list(content)}"
        if media == "application/json":
            self.validate(
                ACCOUNTING_URI, pointer(*base, "content", media, "schema"), response.json()
            )
        self.checked.add((method, spec_path))


@pytest.fixture
def contract(specs: dict[str, Any], registry: Registry[Any]) -> Contract:
    return Contract(specs, registry)


async def _ok(coro: Any) -> httpx.Response:
    response: httpx.Response = await coro
    assert response.status_code < 300, response.text
    return response


async def test_every_accounting_endpoint_matches_the_spec(
    client: httpx.AsyncClient, h: dict[str, str], contract: Contract, sandbox: SandboxState
) -> None:
    api = "/api.xro/2.0"

    async def check(method: str, path: str, spec_path: str, **kw: Any) -> httpx.Response:
        response = await client.request(method, api + path, headers=h | kw.pop("headers", {}), **kw)
        assert response.status_code < 500, response.text
        contract.response(method, spec_path, response)
        return response

    # invoices
    await check("GET", "/Invoices?page=1", "/Invoices")
    await check("GET", "/Invoices?summaryOnly=true", "/Invoices")
    await check("GET", "/Invoices", "/Invoices")
    new = {
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "DueDate": "2026-08-01",
        "Contact": {
            "Name": "Contract Co",
            "EmailAddress": "c@example.com",
            "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "9876543210"}],
        },
        "LineItems": [
            {
                "Description": "Audit",
                "Quantity": 1,
                "UnitAmount": 900,
                "ItemCode": "CONSULT",
                "DiscountRate": 10,
            }
        ],
    }
    created = (await check("PUT", "/Invoices", "/Invoices", json={"Invoices": [new]})).json()
    invoice_id = created["Invoices"][0]["InvoiceID"]
    contact_id = created["Invoices"][0]["Contact"]["ContactID"]
    await check("POST", "/Invoices", "/Invoices", json={"Invoices": [new | {"Status": "DRAFT"}]})
    await check(
        "POST",
        "/Invoices?summarizeErrors=false",
        "/Invoices",
        json={"Invoices": [new, {"Type": "ACCREC"}]},
    )
    await check("GET", f"/Invoices/{invoice_id}", "/Invoices/{InvoiceID}")
    await check(
        "POST",
        f"/Invoices/{invoice_id}",
        "/Invoices/{InvoiceID}",
        json={"Invoices": [{"Reference": "REF-1"}]},
    )
    await check(
        "GET", f"/Invoices/{invoice_id}/OnlineInvoice", "/Invoices/{InvoiceID}/OnlineInvoice"
    )
    await check("POST", f"/Invoices/{invoice_id}/Email", "/Invoices/{InvoiceID}/Email", json={})
    await check(
        "GET",
        f"/Invoices/{invoice_id}/pdf",
        "/Invoices/{InvoiceID}/pdf",
        headers={"Accept": "application/pdf"},
    )
    # history on every collection that has it
    item_id = next(iter(sandbox.xero.orgs[sandbox.xero.demo_tenant_id].items))
    payment_id = next(iter(sandbox.xero.orgs[sandbox.xero.demo_tenant_id].payments))
    for collection, record_id, param in (
        ("Invoices", invoice_id, "InvoiceID"),
        ("Contacts", contact_id, "ContactID"),
        ("Items", item_id, "ItemID"),
        ("Payments", payment_id, "PaymentID"),
    ):
        spec_path = f"/{collection}/{{{param}}}/History"
        await check(
            "PUT",
            f"/{collection}/{record_id}/History",
            spec_path,
            json={"HistoryRecords": [{"Details": "Checked"}]},
        )
        await check("GET", f"/{collection}/{record_id}/History", spec_path)
    # attachments on invoices, contacts and accounts
    account_id = next(iter(sandbox.xero.orgs[sandbox.xero.demo_tenant_id].accounts))
    for collection, record_id, param in (
        ("Invoices", invoice_id, "InvoiceID"),
        ("Contacts", contact_id, "ContactID"),
        ("Accounts", account_id, "AccountID"),
    ):
        base, spec_base = (
            f"/{collection}/{record_id}/Attachments",
            f"/{collection}/{{{param}}}/Attachments",
        )
        await check("PUT", f"{base}/a.pdf", spec_base + "/{FileName}", content=b"%PDF-1.4 x")
        await check("POST", f"{base}/a.pdf", spec_base + "/{FileName}", content=b"%PDF-1.4 y")
        await check("GET", base, spec_base)
        download = await client.get(api + f"{base}/a.pdf", headers=h)
        assert download.status_code == 200
        assert download.content == b"%PDF-1.4 y"
        contract.checked.add(("GET", spec_base + "/{FileName}"))
    # contacts
    await check("GET", "/Contacts?page=1", "/Contacts")
    await check("GET", "/Contacts?summaryOnly=true", "/Contacts")
    made = await check("PUT", "/Contacts", "/Contacts", json={"Contacts": [{"Name": "Spec Ltd"}]})
    spec_contact = made.json()["Contacts"][0]["ContactID"]
    await check("POST", "/Contacts", "/Contacts", json={"Contacts": [{"Name": "Spec Two"}]})
    await check("GET", f"/Contacts/{spec_contact}", "/Contacts/{ContactID}")
    await check(
        "POST",
        f"/Contacts/{spec_contact}",
        "/Contacts/{ContactID}",
        json={"Contacts": [{"ContactStatus": "ARCHIVED"}]},
    )
    invalid = await check("PUT", "/Contacts", "/Contacts", json={"Contacts": [{"Name": ""}]})
    assert invalid.status_code == 400
    # items
    await check("GET", "/Items", "/Items")
    made = await check("PUT", "/Items", "/Items", json={"Items": [{"Code": "SPEC", "Name": "S"}]})
    spec_item = made.json()["Items"][0]["ItemID"]
    await check("POST", "/Items", "/Items", json={"Items": [{"Code": "SPEC", "Name": "S2"}]})
    await check("GET", f"/Items/{spec_item}", "/Items/{ItemID}")
    await check(
        "POST", f"/Items/{spec_item}", "/Items/{ItemID}", json={"Items": [{"Description": "d"}]}
    )
    await check("DELETE", f"/Items/{spec_item}", "/Items/{ItemID}")
    # accounts
    await check("GET", "/Accounts", "/Accounts")
    made = await check(
        "PUT", "/Accounts", "/Accounts", json={"Code": "477", "Name": "Spec Sales", "Type": "SALES"}
    )
    spec_account = made.json()["Accounts"][0]["AccountID"]
    await check("GET", f"/Accounts/{spec_account}", "/Accounts/{AccountID}")
    await check(
        "POST",
        f"/Accounts/{spec_account}",
        "/Accounts/{AccountID}",
        json={"Accounts": [{"Status": "ARCHIVED"}]},
    )
    await check("DELETE", f"/Accounts/{spec_account}", "/Accounts/{AccountID}")
    # payments
    await check("GET", "/Payments?page=1", "/Payments")
    pay = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": "090"},
        "Amount": 100,
        "Date": "2026-07-14",
    }
    paid = await check("PUT", "/Payments", "/Payments", json={"Payments": [pay]})
    await check("POST", "/Payments", "/Payments", json=pay)
    new_payment = paid.json()["Payments"][0]["PaymentID"]
    await check("GET", f"/Payments/{new_payment}", "/Payments/{PaymentID}")
    await check(
        "POST", f"/Payments/{new_payment}", "/Payments/{PaymentID}", json={"Status": "DELETED"}
    )
    # organisation
    await check("GET", "/Organisation", "/Organisation")

    served = {
        (m, r.path)
        for r in accounting.routes(sandbox.xero)
        for m in (r.methods or ())
        if m != "HEAD"
    }
    served -= BREADTH_CHECKED  # checked in tests/sandbox/test_contract_xero_breadth.py
    assert served - contract.checked == set(), "served endpoints without a contract check"


def test_every_served_accounting_path_exists_in_the_spec(
    specs: dict[str, Any], sandbox: SandboxState
) -> None:
    paths = specs[ACCOUNTING_URI]["paths"]
    for route in accounting.routes(sandbox.xero):
        assert route.path in paths, route.path
        for method in route.methods or ():
            if method != "HEAD":
                assert method.lower() in paths[route.path], f"{method} {route.path}"


async def test_identity_token_and_connections_match_the_spec(
    xero: XeroHelper, contract: Contract, sandbox: SandboxState
) -> None:
    tokens = await xero.login()
    contract.validate(IDENTITY_URI, pointer("components", "schemas", "AccessToken"), tokens)
    cc = (await xero.token({"grant_type": "client_credentials"})).json()
    contract.validate(IDENTITY_URI, pointer("components", "schemas", "AccessToken"), cc)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    rows = (await xero.client.get("/connections", headers=auth)).json()
    contract.validate(
        IDENTITY_URI,
        pointer(
            "paths",
            "/Connections",
            "get",
            "responses",
            "200",
            "content",
            "application/json",
            "schema",
        ),
        rows,
    )
    deleted = await xero.client.delete(f"/connections/{rows[0]['id']}", headers=auth)
    assert str(deleted.status_code) in specs_identity_delete(contract)
    assert {r.path for r in connections.routes(sandbox.xero)} == {
        "/connections",
        "/connections/{id}",
        "/Connections",
        "/Connections/{id}",
    }
    assert {r.path for r in identity.routes(sandbox.xero)} == {
        "/identity/connect/authorize",
        "/connect/token",
        "/connect/revocation",
    }


def specs_identity_delete(contract: Contract) -> Iterator[str]:
    yield from contract.specs[IDENTITY_URI]["paths"]["/Connections/{id}"]["delete"]["responses"]


async def test_webhook_payloads_match_the_webhook_schema(
    client: httpx.AsyncClient, h: dict[str, str], contract: Contract, sandbox: SandboxState
) -> None:
    await client.put("/api.xro/2.0/Contacts", json={"Name": "Hooked"}, headers=h)
    await client.put(
        "/api.xro/2.0/Invoices",
        json={
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "Hooked Two"},
                    "LineItems": [{"Description": "x", "UnitAmount": 1}],
                }
            ]
        },
        headers=h,
    )
    payloads = sandbox.xero.webhooks.sent
    assert len(payloads) == 2
    for payload in payloads:
        contract.validate(WEBHOOKS_URI, pointer("components", "schemas", "WebhookEvent"), payload)
