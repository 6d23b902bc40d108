"""The manifest alone must let a flow builder render every form and picklist."""

from __future__ import annotations

import json
from typing import Any

from component.manifest import build_manifest
from component.registry import Registry

INPUT_FIELDS = {
    "key",
    "label",
    "type",
    "required",
    "default",
    "comments",
    "example",
    "placeholder",
    "choices",
    "collection",
    "dataSource",
    "hidden",
    "connections",
    "schema",
}


def test_manifest_top_level_and_sections(registry: Registry) -> None:
    manifest = build_manifest(registry)
    assert (manifest["key"], manifest["label"]) == ("xeroWhatsApp", "Xero + WhatsApp")
    assert set(manifest) >= {
        "description",
        "version",
        "connections",
        "actions",
        "triggers",
        "dataSources",
    }
    json.dumps(manifest)  # serialisable as it is


def test_every_input_carries_every_field_a_form_needs(registry: Registry) -> None:
    manifest = build_manifest(registry)
    entries = manifest["actions"] + manifest["dataSources"] + manifest["triggers"]
    for entry in entries:
        assert entry["display"]["label"]
        for spec in entry["inputs"]:
            assert set(spec) == INPUT_FIELDS, entry["key"]


def test_list_invoices_entry(registry: Registry) -> None:
    entry = next(a for a in build_manifest(registry)["actions"] if a["key"] == "listInvoices")
    inputs = {i["key"]: i for i in entry["inputs"]}
    assert list(inputs) == ["fetchAll", "modifiedAfter", "page", "where", "xeroConnection"]
    assert inputs["fetchAll"]["default"] is False
    assert inputs["fetchAll"]["schema"] == {"type": "boolean"}
    assert inputs["page"]["schema"] == {"type": "string", "pattern": "^[1-9][0-9]*$"}
    assert inputs["xeroConnection"]["type"] == "connection"
    assert inputs["xeroConnection"]["required"] is True
    assert entry["examplePayload"]["data"]["Invoices"][0]["InvoiceNumber"] == "INV-0142"
    assert entry["kind"] == "declarative"


def test_connections_show_inputs_and_oauth_type_with_secrets_masked(registry: Registry) -> None:
    connections = {c["key"]: c for c in build_manifest(registry)["connections"]}
    token = connections["xeroToken"]
    assert token["oauth2Type"] is None
    assert token["family"] == "xero"
    access = next(i for i in token["inputs"] if i["key"] == "accessToken")
    assert access["type"] == "password"


def test_password_defaults_and_examples_are_masked() -> None:
    from component.manifest import input_entry
    from component.spec.models import InputSpec

    spec = InputSpec.model_validate(
        {
            "key": "clientSecret",
            "label": "Secret",
            "type": "password",
            "default": "s3cr3t",
            "example": "abc",
        }
    )
    entry = input_entry(spec)
    assert (entry["default"], entry["example"]) == ("***", "***")


def test_safety_metadata_reaches_the_manifest_openapi_and_describe(
    registry: Registry, cli: Any
) -> None:
    """Issue 16 item 2: each action's safety class and idempotence, in all three places."""
    from component.service.openapi import build_openapi

    manifest = build_manifest(registry)
    by_key = {a["key"]: a for a in manifest["actions"]}
    assert (by_key["voidInvoice"]["safety"], by_key["voidInvoice"]["idempotent"]) == (
        "destructive",
        True,
    )
    assert (by_key["createInvoice"]["safety"], by_key["createInvoice"]["idempotent"]) == (
        "write",
        False,
    )
    assert {a["safety"] for a in manifest["actions"]} == {"read", "write", "destructive"}
    operation = build_openapi(registry)["paths"]["/v1/actions/listInvoices/invoke"]["post"]
    assert (operation["x-safety"], operation["x-idempotent"]) == ("read", True)
    described = cli("describe", "reversePayment")
    assert "safety: destructive (idempotent)" in described.out
    listed = {row["key"]: row for row in cli("actions", "--json").json}
    assert listed["sendInvoice"]["safety"] == "write"


def test_polling_triggers_are_listed_for_the_flow_builder(registry: Registry) -> None:
    """Issue 16 item 3: the polling triggers sit beside the webhook ones, marked as polling."""
    triggers = {t["key"]: t for t in build_manifest(registry)["triggers"]}
    assert triggers["webhook"]["kind"] == "webhook"
    polled = triggers["newOrUpdatedInvoices"]
    assert polled["kind"] == "polling"
    assert polled["path"] is None
    assert polled["poll"]["idField"] == "InvoiceID"
    assert polled["examplePayload"]["events"][0]["eventCategory"] == "INVOICE"
    overdue = triggers["invoiceOverdue"]
    assert overdue["poll"]["mode"] == "overdue"
    assert [i["key"] for i in overdue["inputs"] if i["type"] != "connection"] == ["days"]
