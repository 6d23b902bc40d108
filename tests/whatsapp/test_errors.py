"""Meta error bodies → our errors: class, Meta's code, retryable, and a message saying what to do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from component import errors
from component.whatsapp import errors as wa
from component.whatsapp.codes import CODES, lookup
from tests.whatsapp.conftest import graph_error

SUBJECT = wa.Subject(
    "template 'payment_reminder' (en) to +919820012345",
    to="+919820012345",
    template="payment_reminder",
    language="en",
)


def answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("code", "status", "cls", "retryable", "starts"),
    [
        (
            131047,
            400,
            errors.UpstreamRejected,
            False,
            "131047: more than 24 hours since the customer",
        ),
        (
            131026,
            400,
            errors.UpstreamRejected,
            False,
            "131026: the number +919820012345 is not on ",
        ),
        (131056, 400, errors.RateLimited, True, "131056: too many messages to +919820012345"),
        (130429, 429, errors.RateLimited, True, "130429: the business number's message throughput"),
        (131048, 400, errors.RateLimited, False, "131048: Meta rate-limited this number for spam"),
        (
            132000,
            400,
            errors.UpstreamRejected,
            False,
            "132000: template 'payment_reminder' (en) got ",
        ),
        (
            132001,
            404,
            errors.UpstreamRejected,
            False,
            "132001: template 'payment_reminder' (en) does ",
        ),
        (
            132012,
            400,
            errors.UpstreamRejected,
            False,
            "132012: a parameter of template 'payment_rem",
        ),
        (100, 400, errors.UpstreamRejected, False, "100: a request parameter is invalid"),
        (
            131030,
            400,
            errors.UpstreamRejected,
            False,
            "131030: +919820012345 is not in the allowed",
        ),
        (131000, 500, errors.UpstreamError, True, "131000: Meta failed to send"),
        (
            131016,
            503,
            errors.UpstreamUnavailable,
            True,
            "131016: WhatsApp is temporarily unavailable",
        ),
        (1, 500, errors.UpstreamError, True, "1: Meta reported an unknown API error"),
        (2, 503, errors.UpstreamUnavailable, True, "2: Meta's service is temporarily unavailable"),
        (4, 400, errors.RateLimited, True, "4: the app made too many API calls"),
        (80007, 400, errors.RateLimited, True, "80007: the WhatsApp Business Account's rate limit"),
        (190, 401, wa.WhatsAppAuthError, False, "190: the access token has expired or is invalid"),
        (10, 403, wa.WhatsAppAuthError, False, "10: the access token lacks permission"),
        (200, 403, wa.WhatsAppAuthError, False, "200: the access token lacks permission"),
    ],
)
def test_each_code_maps_to_its_class_retry_flag_and_advice(
    code: int, status: int, cls: type[errors.XeroWaError], retryable: bool, starts: str
) -> None:
    error = wa.error_for(answer(status, graph_error(code, f"(#{code}) Title", "Details")), SUBJECT)

    assert type(error) is cls
    assert error.message.startswith(starts)
    assert f"({SUBJECT.what}; Meta: Details)" in error.message
    info = error.info  # type: ignore[attr-defined]
    assert info.upstream_code == code
    assert info.retryable is retryable
    assert info.status == status
    assert info.service == "whatsapp"


def test_connection_errors_carry_metas_code_in_details() -> None:
    body = graph_error(190, "Error validating access token: Session has expired")
    error = wa.error_for(answer(401, body), SUBJECT)

    assert isinstance(error, errors.ConnectionError)
    assert error.to_dict()["error"]["details"] == {
        "reconnect": wa.RECONNECT,
        "upstreamCode": 190,
        "service": "whatsapp",
    }
    assert "Error validating access token" in error.message


def test_rate_limits_say_when_to_come_back() -> None:
    throughput = wa.error_for(answer(429, graph_error(130429, "x")), SUBJECT)
    pair = wa.error_for(answer(400, graph_error(131056, "x")), SUBJECT, pair_wait=6.05)

    assert isinstance(throughput, errors.RateLimited)
    assert isinstance(pair, errors.RateLimited)
    assert (throughput.retry_after, pair.retry_after) == (1.0, 6.05)


def test_an_unknown_code_quotes_meta_and_is_retried_only_when_meta_failed() -> None:
    client_side = wa.error_for(answer(400, graph_error(999001, "(#999001) Odd", "odd")), SUBJECT)
    server_side = wa.error_for(answer(500, graph_error(999001, "(#999001) Odd")), SUBJECT)

    assert client_side.message.startswith("999001: Meta refused the request (")
    assert isinstance(client_side, errors.UpstreamError)
    assert isinstance(server_side, errors.UpstreamError)
    assert (client_side.retryable, server_side.retryable) == (False, True)


def test_a_body_that_is_not_a_graph_error_is_described_by_its_status() -> None:
    error = wa.error_for(httpx.Response(502, text="<html>Bad gateway</html>"), SUBJECT)
    unauthorised = wa.error_for(httpx.Response(401, text=""), SUBJECT)

    assert isinstance(error, errors.UpstreamError)
    assert error.retryable is True
    assert error.info.upstream_code is None
    assert isinstance(unauthorised, wa.WhatsAppAuthError)


def test_messages_never_branch_on_text() -> None:
    """Same code, different wording: same class and advice."""
    one = wa.error_for(answer(400, graph_error(131026, "Message undeliverable")), SUBJECT)
    two = wa.error_for(answer(400, graph_error(131026, "Something else entirely")), SUBJECT)

    assert type(one) is type(two)
    assert one.message.split(" (")[0] == two.message.split(" (")[0]


@pytest.mark.parametrize(
    ("code", "config", "undeliverable", "rate"),
    [
        (132000, True, False, False),
        (132001, True, False, False),
        (132012, True, False, False),
        (100, True, False, False),
        (190, True, False, False),
        (131030, True, False, False),
        (131026, False, True, False),
        (131047, False, False, False),
        (130429, False, False, True),
        (131056, False, False, True),
        (131000, False, False, False),
        (999001, False, False, False),
    ],
)
def test_predicates_the_reminder_job_uses(
    code: int, config: bool, undeliverable: bool, rate: bool
) -> None:
    status = 401 if code == 190 else 400
    error = wa.error_for(answer(status, graph_error(code, "x")), SUBJECT)

    assert wa.is_configuration_error(error) is config
    assert wa.is_undeliverable(error) is undeliverable
    assert wa.is_rate_limited(error) is rate
    assert wa.is_window_error(error) is (code == 131047)
    assert wa.meta_code(error) == code


def test_predicates_are_false_for_errors_without_a_meta_code() -> None:
    unknown = wa.outcome_unknown(SUBJECT, "ReadTimeout after sending")

    assert wa.is_outcome_unknown(unknown)
    assert not wa.is_configuration_error(unknown)
    assert not wa.is_undeliverable(errors.InputError.single("to", "bad"))
    assert wa.meta_code(unknown) is None


def test_every_facts_table_code_is_in_the_table_with_its_retry_flag() -> None:
    """facts/whatsapp.md, Errors: code → retry."""
    expected = {
        131047: False,
        131026: False,
        131056: True,
        130429: True,
        131048: False,
        132000: False,
        132001: False,
        132012: False,
        190: False,
        100: False,
        131030: False,
        131000: True,
        131016: True,
        1: True,
        2: True,
        4: True,
        80007: True,
    }
    assert {code: CODES[code].retryable for code in expected} == expected
    assert lookup(250) is CODES[10]


def test_graph_error_parsing_reads_code_subcode_and_details() -> None:
    body = {
        "error": {
            "message": "Unsupported post request.",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "error_data": {"details": "Object does not exist"},
            "fbtrace_id": "Axyz",
        }
    }
    parsed = wa.parse_graph_error(answer(400, body))

    assert parsed == wa.GraphError(
        100, 33, "Unsupported post request.", "Object does not exist", "Axyz"
    )
    assert wa.parse_graph_error(httpx.Response(400, text="nope")) is None
