"""Typed templates: references keep their type, absent inputs vanish, conversions are explicit."""

from __future__ import annotations

import pytest

from component.spec.templates import (
    TemplateError,
    convert,
    query_text,
    references,
    render,
    render_path,
    template_problems,
)


def test_reference_inserts_the_typed_value_not_text() -> None:
    body = {"SentToContact": "$sent", "Quantity": "$qty", "Lines": "$lines"}
    values = {"sent": False, "qty": 3, "lines": [{"a": 1}]}
    assert render(body, values) == {"SentToContact": False, "Quantity": 3, "Lines": [{"a": 1}]}


def test_absent_inputs_are_left_out_and_emptied_containers_pruned() -> None:
    body = {
        "Contacts": [
            {
                "Name": "$name",
                "Addresses": [{"AddressType": "$addressType", "City": "$city"}],
                "EmailAddress": "$email",
            }
        ]
    }
    assert render(body, {"name": "Priya Textiles"}) == {"Contacts": [{"Name": "Priya Textiles"}]}


def test_literal_empty_object_survives() -> None:
    assert render({}, {}) == {}
    assert render({"Status": "VOIDED", "Extra": {}}, {}) == {"Status": "VOIDED", "Extra": {}}


def test_dollar_dollar_escapes_a_literal() -> None:
    assert render({"Note": "$$notAnInput"}, {}) == {"Note": "$notAnInput"}


def test_merge_overlays_key_value_lists_and_objects() -> None:
    body = {"Code": "$code", "$merge": ["fieldValues", "additionalFields"]}
    values = {
        "code": "200",
        "fieldValues": [{"key": "TaxType", "value": "OUTPUT"}],
        "additionalFields": {"Description": "Sales", "Code": "201"},
    }
    assert render(body, values) == {"Code": "201", "TaxType": "OUTPUT", "Description": "Sales"}


def test_merge_of_a_scalar_names_the_input() -> None:
    with pytest.raises(TemplateError) as info:
        render({"$merge": ["fieldValues"]}, {"fieldValues": "oops"})
    assert info.value.field == "fieldValues"


@pytest.mark.parametrize(
    ("conversion", "value", "expected"),
    [
        ("number", "48500.50", 48500.5),
        ("number", "48500", 48500),
        ("integer", "7", 7),
        ("boolean", "true", True),
        ("json", '{"a": [1]}', {"a": [1]}),
        ("date", "2026-07-07T10:00:00", "2026-07-07"),
        ("xeroDateTime", "2026-06-01", "2026-06-01T00:00:00Z"),
        ("xeroDateTime", "2026-06-01T10:30:00+05:30", "2026-06-01T05:00:00Z"),
        ("csv", ["AUTHORISED", "PAID"], "AUTHORISED,PAID"),
        ("string", 12, "12"),
    ],
)
def test_conversions(conversion: str, value: object, expected: object) -> None:
    assert convert("f", value, conversion) == expected


@pytest.mark.parametrize(
    ("conversion", "value", "reason"),
    [
        ("number", "12abc", "expected a number"),
        ("integer", "7.5", "expected a whole number"),
        ("number", True, "boolean"),
        ("xeroDateTime", "yesterday", "expected a date or timestamp"),
        ("json", "{bad", "invalid JSON at line 1 column 2"),
    ],
)
def test_conversion_errors_name_the_field(conversion: str, value: object, reason: str) -> None:
    with pytest.raises(TemplateError) as info:
        convert("paymentAmount", value, conversion)
    assert info.value.field == "paymentAmount"
    assert reason in info.value.reason


def test_path_placeholders_are_encoded_as_one_segment() -> None:
    assert render_path("/Items/{itemId}/History", {"itemId": "a/b c"}) == "/Items/a%2Fb%20c/History"


def test_missing_path_value_is_an_error_naming_the_input() -> None:
    with pytest.raises(TemplateError) as info:
        render_path("/Invoices/{invoiceId}", {"invoiceId": ""})
    assert info.value.field == "invoiceId"


def test_references_and_problems_for_lint() -> None:
    template = {
        "A": "$one",
        "B": {"$input": "two", "as": "number"},
        "$merge": ["three"],
        "C": ["$four"],
    }
    assert sorted(references(template)) == ["four", "one", "three", "two"]
    assert template_problems({"$input": "x", "as": "money"}) == [
        "unknown conversion as='money'; use one of "
        "['string', 'number', 'integer', 'boolean', 'json', 'date', 'xeroDateTime', 'csv']"
    ]
    assert template_problems({"$merge": "x"}) == ["$merge takes a list of input keys"]


def test_query_text_renders_typed_values() -> None:
    assert query_text(True) == "true"
    assert query_text(["a", "b"]) == "a,b"
    assert query_text(3) == "3"


def test_input_list_takes_the_first_present_input() -> None:
    """A date may come as ``date`` or as the reference component's ``dateString``."""
    template = {"Date": {"$input": ["date", "dateString"], "as": "date"}}
    assert render(template, {"dateString": "2021-05-27T00:00:00"}) == {"Date": "2021-05-27"}
    both = {"date": "2026-07-01", "dateString": "2021-05-27T00:00:00"}
    assert render(template, both) == {"Date": "2026-07-01"}
    assert render(template, {}) is None
    assert list(references(template)) == ["date", "dateString"]
    assert template_problems({"$input": []}) == [
        "$input takes an input key or a non-empty list of input keys"
    ]
