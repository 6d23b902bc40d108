"""``xero-wa poll`` (component/cli/poll.py): list the polling triggers, run one for an
organisation (the first run records the present quietly), and refuse what cannot be polled."""

from __future__ import annotations

from typing import Any


def test_poll_lists_the_polling_triggers(cli: Any) -> None:
    result = cli("poll")
    assert result.code == 0, result.err
    assert "newOrUpdatedInvoices" in result.json["pollingTriggers"]
    assert "webhook" not in result.json["pollingTriggers"]


def test_a_first_run_records_the_present_and_reports_nothing(cli: Any) -> None:
    result = cli(
        "poll", "newOrUpdatedInvoices", "--sandbox", "--org", "demo company (in)", "--json"
    )
    assert result.code == 0, result.err
    assert result.json["firstRun"] is True
    assert result.json["events"] == []
    text = cli("poll", "invoiceOverdue", "--sandbox", "-i", "days=7")
    assert text.code == 0, text.err
    assert "first run for" in text.out
    assert "recorded the present, nothing to report" in text.out


def test_bad_requests_name_what_is_wrong(cli: Any) -> None:
    webhook = cli("poll", "webhook", "--sandbox")
    assert webhook.code == 2
    assert "polling triggers:" in webhook.error["message"]
    unknown = cli("poll", "newOrUpdatedInvoice", "--sandbox")
    assert unknown.error["code"] == "unknown_key"
    assert "newOrUpdatedInvoices" in unknown.error["details"]["suggestions"]
    days = cli("poll", "invoiceOverdue", "--sandbox", "-i", "days=soon")
    assert days.code == 2
    assert days.error["details"]["fields"][0]["field"] == "days"
    nowhere = cli("poll", "newOrUpdatedInvoices", "--sandbox", "--org", "Nowhere Ltd")
    assert nowhere.error["code"] == "input_error"
    assert "Nowhere Ltd" in nowhere.error["message"]
