"""bounded_json's shortcut: a plain body (a Xero webhook) is decoded without the walk over its
values, and nothing the walk refuses gets through the shortcut."""

from __future__ import annotations

import json

import pytest

from component import bounded_json
from tests.service.conftest import xero_body, xero_event


def test_a_plain_webhook_body_is_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    def walked(value: object) -> None:
        raise AssertionError("the body was walked")

    monkeypatch.setattr(bounded_json, "check", walked)
    body = xero_body(xero_event("inv-1"), xero_event("inv-2"))
    assert [e["resourceId"] for e in bounded_json.loads(body)["events"]] == ["inv-1", "inv-2"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # each is ASCII, without \u escapes and shallow: only the number hooks can doubt it
        ('{"events": [{"amount": 1e999}]}', "events[0].amount: is a number out of range"),
        ('{"a": -1E400}', "a: is a number out of range"),
        ("[" + "7" * 400 + "]", "[0]: is a whole number of 400 digits (at most 100)"),
        ("[" * 65 + "]" * 65, "is nested deeper than 64 levels"),
        ('{"a": "\\ud800"}', "a: '\\ud800' is not text (an unpaired surrogate)"),
        ('{"a": NaN}', "has NaN, which is not a JSON number"),
    ],
)
def test_what_the_walk_refuses_is_still_refused(text: str, reason: str) -> None:
    with pytest.raises(bounded_json.JsonProblem) as caught:
        bounded_json.loads(text)
    assert str(caught.value).endswith(reason)


@pytest.mark.parametrize(
    "text", ['{"a": 1.5e3, "b": -7, "c": [0.25, 12]}', '{"n": ' + "9" * 100 + "}", "[1e2]"]
)
def test_numbers_decode_as_json_does(text: str) -> None:
    assert bounded_json.loads(text) == json.loads(text)
