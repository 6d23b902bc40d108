"""Input cleaning: strings from a CLI or flow builder become typed values; every bad field is named."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from component.errors import InputError
from component.inputs import InputSet, from_cli_pairs, input_schema
from component.spec.models import InputSpec
from component.values import Binary


def spec(**fields: Any) -> InputSpec:
    return InputSpec.model_validate({"label": fields.get("key", "x"), **fields})


def clean_one(input_spec: InputSpec, value: Any, source: str = "api") -> Any:
    return InputSet([input_spec]).clean({input_spec.key: value}, source=source)[input_spec.key]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("boolean", "false", False),
        ("boolean", "TRUE", True),
        ("boolean", "yes", True),
        ("boolean", 0, False),
        ("integer", "3", 3),
        ("integer", 4.0, 4),
        ("number", "48500.50", 48500.5),
        ("number", "12", 12),
        ("date", "2026-07-07", "2026-07-07"),
        ("timestamp", "2026-07-07T09:30:00Z", "2026-07-07T09:30:00+00:00"),
        ("timestamp", "2026-07-07", "2026-07-07T00:00:00"),
        ("code", '{"Quantity": 2}', {"Quantity": 2}),
        ("code", [1, 2], [1, 2]),
        ("string", 42, "42"),
    ],
)
def test_coercion_by_declared_type(type_: str, raw: Any, expected: Any) -> None:
    assert clean_one(spec(key="v", type=type_), raw) == expected


@pytest.mark.parametrize(
    ("type_", "raw", "reason"),
    [
        ("boolean", "maybe", "expected true or false, got 'maybe'"),
        ("integer", "3.5", "expected a whole number, got '3.5'"),
        ("integer", True, "expected a whole number, got a boolean"),
        ("number", "NaN", "expected a finite number"),
        ("date", "07/07/2026", "expected a date as YYYY-MM-DD"),
        ("date", "2026-02-30", "expected a date as YYYY-MM-DD"),
        ("timestamp", "soon", "expected a timestamp"),
        ("string", {"a": 1}, "expected text, got dict"),
    ],
)
def test_bad_values_get_a_plain_reason(type_: str, raw: Any, reason: str) -> None:
    with pytest.raises(InputError) as info:
        clean_one(spec(key="v", type=type_), raw)
    assert info.value.problems[0].field == "v"
    assert reason in info.value.problems[0].reason


def test_malformed_json_in_code_input_names_the_position() -> None:
    # A missing comma: every supported CPython reports it at the same place with the same words
    # (a trailing comma is reported one column apart by 3.11 and 3.13).
    with pytest.raises(InputError) as info:
        clean_one(spec(key="lineItems", type="code"), '[{"Quantity": 2 "Price": 3}]')
    reason = info.value.problems[0].reason
    assert reason == "invalid JSON at line 1 column 17 (position 16): Expecting ',' delimiter"


def test_one_error_lists_every_bad_field_with_defaults_applied() -> None:
    inputs = InputSet(
        [
            spec(key="invoiceId", required=True),
            spec(key="fetchAll", type="boolean", default=False),
            spec(key="page", constraints={"pattern": "^[1-9][0-9]*$"}),
            spec(key="amount", type="number", constraints={"minimum": 0}),
        ]
    )
    with pytest.raises(InputError) as info:
        inputs.clean({"fetchAll": "nope", "page": "0", "amount": "-1", "pgae": "2"})
    fields = [(p.field, p.reason) for p in info.value.problems]
    assert fields == [
        ("pgae", "unknown input; did you mean page?"),
        ("invoiceId", "is required"),
        ("fetchAll", "expected true or false, got 'nope'"),
        ("amount", "-1 is less than the minimum of 0"),
        ("page", "'0' does not match '^[1-9][0-9]*$'"),
    ]
    assert str(info.value).startswith("5 invalid inputs:")
    assert info.value.details["fields"][0] == {
        "field": "pgae",
        "reason": "unknown input; did you mean page?",
    }


def test_defaults_fill_missing_and_empty_values() -> None:
    inputs = InputSet([spec(key="fetchAll", type="boolean", default=False), spec(key="where")])
    assert inputs.clean({"where": ""}) == {"fetchAll": False, "where": None}


def test_choices_are_enforced() -> None:
    status = spec(key="status", type="picklist", choices=[{"label": "Draft", "value": "DRAFT"}])
    with pytest.raises(InputError) as info:
        clean_one(status, "PAID")
    assert "is not one of the choices" in info.value.problems[0].reason


def test_valuelist_from_repeated_cli_values_and_from_json_text() -> None:
    ids = spec(key="ids", collection="valuelist")
    assert clean_one(ids, ["a", "b"]) == ["a", "b"]
    assert clean_one(ids, '["a", "b"]') == ["a", "b"]
    assert clean_one(ids, "a") == ["a"]


def test_keyvaluelist_accepts_pairs_objects_and_lists() -> None:
    headers = spec(key="headers", collection="keyvaluelist")
    expected = [{"key": "User-Agent", "value": "curl/8"}]
    assert clean_one(headers, "User-Agent=curl/8") == expected
    assert clean_one(headers, ["User-Agent=curl/8"]) == expected
    assert clean_one(headers, {"User-Agent": "curl/8"}) == expected
    assert clean_one(headers, '[{"key": "User-Agent", "value": "curl/8"}]') == expected
    with pytest.raises(InputError) as info:
        clean_one(headers, ["novalue"])
    assert "item 0: expected KEY=VALUE" in info.value.problems[0].reason


def test_data_from_base64_data_url_object_and_file(tmp_path: Path) -> None:
    data = spec(key="file", type="data")
    raw = b"%PDF-1.7 demo"
    encoded = base64.b64encode(raw).decode()
    assert clean_one(data, encoded) == Binary(raw)
    assert clean_one(data, f"data:application/pdf;base64,{encoded}") == Binary(
        raw, "application/pdf"
    )
    assert clean_one(
        data, {"base64": encoded, "contentType": "application/pdf", "fileName": "a.pdf"}
    ) == Binary(raw, "application/pdf", "a.pdf")
    path = tmp_path / "INV-0142.pdf"
    path.write_bytes(raw)
    assert clean_one(data, f"@{path}", source="cli") == Binary(
        raw, "application/pdf", "INV-0142.pdf"
    )


def test_file_paths_are_refused_from_the_api_and_bad_base64_is_named(tmp_path: Path) -> None:
    data = spec(key="file", type="data")
    with pytest.raises(InputError) as info:
        clean_one(data, f"@{tmp_path / 'x'}", source="api")
    assert "only accepted from the command line" in info.value.problems[0].reason
    with pytest.raises(InputError) as info:
        clean_one(data, "not base64!")
    assert "not valid base64" in info.value.problems[0].reason
    with pytest.raises(InputError) as info:
        clean_one(data, "@/nonexistent/file.pdf", source="cli")
    assert "cannot read file '/nonexistent/file.pdf'" in info.value.problems[0].reason


def test_cli_pairs_make_collections_and_refuse_repeats() -> None:
    inputs = [spec(key="where"), spec(key="ids", collection="valuelist")]
    assert from_cli_pairs(inputs, ["where=A==1", "ids=a", "ids=b"]) == {
        "where": "A==1",
        "ids": ["a", "b"],
    }
    with pytest.raises(InputError) as info:
        from_cli_pairs(inputs, ["where=a", "where=b", "oops"])
    assert [p.field for p in info.value.problems] == ["where", "oops"]


def test_input_schema_describes_forms() -> None:
    schema = input_schema(
        [
            spec(key="invoiceId", required=True, comments="The id"),
            spec(key="fetchAll", type="boolean", default=False),
            spec(key="conn", type="connection", required=True),
        ]
    )
    assert schema["required"] == ["invoiceId"]
    assert schema["properties"]["fetchAll"] == {
        "type": "boolean",
        "title": "fetchAll",
        "default": False,
    }
    assert "conn" not in schema["properties"]
    assert schema["additionalProperties"] is False
