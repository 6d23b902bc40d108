"""``xero-wa remind``: the sandbox run, the re-run, the dry run, the review list, exit codes.

The tests that depend on what a run stored (the re-run, the review list) run on SQLite and on
PostgreSQL (tests/storage/postgres_backends.py): they take ``store_env``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from component.cli.remind import EXIT_FINISHED_WITH_FAILURES
from tests.storage import postgres_backends

settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_env = postgres_backends.store_env
#: The test reads or writes what runs stored: it runs on both backends.
stored = pytest.mark.usefixtures("store_env")


@stored
def test_a_sandbox_run_sends_and_the_second_sends_nothing_new(cli: Any) -> None:
    first = cli("remind", "--sandbox", "--json")
    assert first.code == 0, first.err
    report = first.report
    assert report["sent"] > 5
    assert report["whatsappSends"] == report["sent"]
    assert report["failed"] == {}
    assert report["configurationErrors"] == []
    assert report["xeroCalls"]["invoices"] == 1
    sent = [e for e in report["entries"] if e["outcome"] == "sent"]
    assert all(e["recipient"].startswith("+") for e in sent)

    second = cli("remind", "--sandbox", "--json").report
    assert second["sent"] == 0
    assert second["skipped"]["already_sent"] == report["sentInvoices"]


def test_the_readable_report_ends_with_the_summary(cli: Any) -> None:
    outcome = cli("remind", "--sandbox")
    assert outcome.code == 0
    assert "Messages" in outcome.out
    assert "✓ sent" in outcome.out
    assert "Xero calls" in outcome.out
    assert "WhatsApp sends" in outcome.out


@stored
def test_a_dry_run_prints_the_plan_and_sends_nothing(cli: Any) -> None:
    plan = cli("remind", "--sandbox", "--dry-run", "--json").report
    assert plan["dryRun"] is True
    assert plan["planned"] > 5
    assert plan["sent"] == 0
    assert plan["whatsappSends"] == 0
    assert {e["outcome"] for e in plan["entries"]} <= {"planned", "skipped"}
    real = cli("remind", "--sandbox", "--json").report
    assert real["sent"] == plan["planned"]


@stored
def test_the_review_list_is_empty_when_nothing_is_unknown(cli: Any) -> None:
    outcome = cli("remind", "--review", "--json")
    assert (outcome.code, outcome.json) == (0, {"needsReview": []})
    assert "No reminder needs review" in cli("remind", "--review").out


def test_a_configuration_error_finishes_with_exit_code_7(cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "reminders.yaml"
    policy.write_text(
        "stages:\n"
        "  - key: overdue_1\n"
        "    days: 1\n"
        "    template: payment_reminder_v2\n"
        "    parameters: [party_name, invoice_number]\n",
        encoding="utf-8",
    )
    outcome = cli("remind", "--sandbox", "--policy", str(policy), "--json")
    assert outcome.code == EXIT_FINISHED_WITH_FAILURES == 7
    [problem] = outcome.report["configurationErrors"]
    assert problem["code"] == "132001"
    assert "PENDING" in problem["message"]


def test_a_broken_policy_file_is_an_input_error_naming_the_line(cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "reminders.yaml"
    policy.write_text("stages:\n  - key: x\n    dayz: 1\n", encoding="utf-8")
    outcome = cli("remind", "--sandbox", "--policy", str(policy))
    assert outcome.code == 2
    error = json.loads(outcome.err)["error"]
    assert f"{policy}:3: stages.0.dayz" in error["message"]


def test_a_bad_as_of_date_is_an_input_error(cli: Any) -> None:
    outcome = cli("remind", "--sandbox", "--as-of", "14/07/2026")
    assert outcome.code == 2
    assert "--as-of" in outcome.err


def test_building_the_parser_imports_nothing_heavy() -> None:
    code = (
        "import sys, component.cli.remind as r, argparse; p = argparse.ArgumentParser(); "
        "r.register(p.add_subparsers()); "
        "print(sorted(m for m in ('httpx', 'pydantic', 'rich', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@stored
def test_make_demo_runs_then_sends_nothing_new(
    cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from component import demo

    assert demo.main() == 0
    first = capsys.readouterr().out
    assert "message(s) received in this run" in first
    assert "✓ sent" in first
    assert demo.main() == 0
    second = capsys.readouterr().out
    assert "WhatsApp sandbox: 0 message(s) received in this run." in second
    assert "Nothing new was sent" in second


def test_a_dry_run_prints_every_message_as_the_customer_reads_it(cli: Any) -> None:
    """Issue 10 item 19: the readable dry run shows each planned message's whole text."""
    plan = cli("remind", "--sandbox", "--dry-run", "--json").report
    planned = [e for e in plan["entries"] if e["outcome"] == "planned"]
    out = cli("remind", "--sandbox", "--dry-run").out
    assert out.count("→ plan") == len(planned) == plan["planned"]
    for entry in planned:
        assert entry["text"].startswith(("Hello ", "Final reminder, "))
        for line in entry["text"].splitlines():
            assert f"    {line}\n" in out
    combined = next(e for e in planned if len(e["invoices"]) > 1)
    assert f"overdue ({', '.join(combined['invoices'])})" in combined["text"]
    assert "[View and pay: https://in.xero.com/" in combined["text"]


@stored
def test_review_lines_show_the_contact_and_the_invoice_of_an_alert(
    cli: Any, cli_home: Path
) -> None:
    """Issue 10 item 12: an alert left "sending" by a killed worker is listed by who and what,
    not as ``? None +91… ()``."""
    import asyncio

    from component.config import get_settings
    from component.notify import outbox
    from component.runtime import Runtime
    from component.storage.outbox_reads import Item

    async def held_alert() -> None:
        runtime = Runtime(settings=get_settings())
        envelope = outbox.Envelope(
            key="alert:invoice_new:t-1:inv-42",
            kind="alert",
            items=(Item("t-1", "inv-42", "invoice_new"),),
            contact_id="c-1",
            contact_name="Asha Textiles",
            recipient="+919820012345",
            invoices=({"id": "inv-42", "number": "INV-0042", "stage": "invoice_new"},),
        )
        assert (await outbox.claim(runtime, envelope)).granted
        assert runtime.store.outbox.start_sending(envelope.key) is None  # then the kill
        await runtime.aclose()

    asyncio.run(held_alert())
    out = cli("remind", "--review").out
    assert "Asha Textiles +919820012345 (alert: INV-0042)" in out
    assert "None" not in out
    [held] = cli("remind", "--review", "--json").json["needsReview"]
    assert (held["contact"], held["invoices"], held["kind"]) == (
        "Asha Textiles",
        ["INV-0042"],
        "alert",
    )


def test_json_lines_stream_every_entry_before_the_run_ends_and_keep_none(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 target 5: ``--json`` writes each entry as it is made; the report keeps none,
    so memory does not grow with the ledger. The summary line comes last."""
    from component.reminders.report import Report

    at_finish: list[tuple[int, int]] = []
    finish = Report.finish

    def spy(report: Report) -> None:
        at_finish.append((sys.stdout.getvalue().count("\n"), len(report.entries)))  # type: ignore[attr-defined]
        finish(report)

    monkeypatch.setattr(Report, "finish", spy)
    outcome = cli("remind", "--sandbox", "--json")

    lines = outcome.lines
    assert [line["type"] for line in lines] == ["entry"] * (len(lines) - 1) + ["summary"]
    assert at_finish == [(len(lines) - 1, 0)]  # every entry already out, none kept
    report = outcome.report
    assert len([e for e in report["entries"] if e["outcome"] == "sent"]) == report["sent"] > 5
    skipped = [e for e in report["entries"] if e["outcome"] == "skipped"]
    assert len(skipped) == sum(report["skipped"].values())


def test_the_readable_report_is_counts_unless_details_are_asked_for(cli: Any) -> None:
    plan = cli("remind", "--sandbox", "--dry-run", "--json").report
    skipped = [e for e in plan["entries"] if e["outcome"] == "skipped"]
    assert skipped

    summary = cli("remind", "--sandbox").out
    assert "- skipped" not in summary
    assert "Skipped invoices" in summary

    details = cli("remind", "--sandbox", "--details").out.splitlines()
    lines = [line for line in details if line.startswith("- skipped ")]
    assert len(lines) == len([line for line in details if "- skipped" in line]) > 0
    assert any("no_whatsapp_number: " in line for line in lines)
    assert any("Skipped invoices" in line for line in details)
