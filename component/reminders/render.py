"""The reminder report for people: a table of messages, skips by reason, and a closing summary.

Used by ``xero-wa remind`` (without ``--json``) and by ``make demo``. Skipped invoices are shown
as counts by reason (a ledger has hundreds); messages (sent, planned, failed, held for review)
are listed one per line, up to ``limit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from component.reminders.report import Entry, Report

if TYPE_CHECKING:
    from rich.console import Console

MESSAGE_OUTCOMES = ("sent", "planned", "failed", "review")
MARKS = {"sent": "[green]✓ sent[/]", "planned": "[cyan]→ plan[/]", "failed": "[red]✗ failed[/]"}
MARKS["review"] = "[yellow]? review[/]"

REASONS = {
    "already_sent": "already sent at this stage",
    "needs_review": "outcome of an earlier send unknown (see --review)",
    "failed_before": "failed permanently at this stage before",
    "stopped": "stopped (e.g. paid)",
    "opted_out": "opted out",
    "no_whatsapp_number": "no WhatsApp mobile number",
    "contact_unknown": "contact not in Xero",
    "below_minimum": "below the minimum amount",
    "too_old": "past the last reminder day",
    "no_stage_reached": "no stage reached yet",
    "quiet_hours": "quiet hours",
    "not_business_day": "not a business day",
    "no_pay_link": "no pay link (whenMissing: skip)",
    "configuration_error": "stopped by a configuration error",
}


def render(report: Report, console: Console, *, limit: int = 50) -> None:
    """Print the report: messages, skips by reason, problems, then the summary line."""
    messages = [e for e in report.entries if e.outcome in MESSAGE_OUTCOMES]
    if messages:
        console.print(_messages_table(messages[:limit]))
        if len(messages) > limit:
            console.print(f"  … and {len(messages) - limit} more (use --json for all)")
    if report.skipped:
        console.print(_skips_table(report))
    for problem in report.configuration:
        console.print(
            f"[red]Configuration error {problem.code}[/] ({problem.scope}): {problem.message} "
            f"— {problem.stopped} message(s) not sent"
        )
    for warning in report.warnings:
        console.print(f"[yellow]![/] {warning}")
    console.print(summary_line(report))


def summary_line(report: Report) -> str:
    seconds = report.elapsed or 0.0
    failed = sum(report.failed.values())
    failed_text = ", ".join(f"{code} ×{n}" for code, n in sorted(report.failed.items()))
    if report.dry_run:
        head = f"planned {report.planned} message(s), nothing sent (dry run)"
    else:
        head = f"sent {report.sent} message(s) covering {report.sent_invoices} invoice(s)"
    parts = [
        head,
        f"skipped {sum(report.skipped.values())} invoice(s)",
        f"failed {failed}" + (f" ({failed_text})" if failed_text else ""),
        f"Xero calls {report.xero.total}",
        f"WhatsApp sends {report.whatsapp_sends}",
        f"{seconds:.1f} s",
    ]
    if report.emails:
        parts.insert(3, f"e-mail fallbacks {report.emails}")
    if report.notes:
        parts.insert(3, f"history notes {report.notes}")
    return "[bold]" + " · ".join(parts) + "[/]"


def _messages_table(entries: list[Entry]) -> object:
    from rich.table import Table

    table = Table(title="Messages", title_justify="left", show_lines=False)
    for column in ("", "Customer", "WhatsApp", "Reminder"):
        table.add_column(column)
    for entry in entries:
        what = entry.summary or ", ".join(entry.invoices)
        if entry.outcome in ("failed", "review") and entry.detail:
            what = f"{what}\n[dim]{entry.reason}: {entry.detail[:120]}[/]"
        table.add_row(MARKS[entry.outcome], entry.contact, entry.recipient or "", what)
    return table


def _skips_table(report: Report) -> object:
    from rich.table import Table

    table = Table(title="Skipped invoices", title_justify="left")
    table.add_column("Reason")
    table.add_column("Invoices", justify="right")
    for reason, count in sorted(report.skipped.items(), key=lambda kv: -kv[1]):
        table.add_row(REASONS.get(reason, reason), str(count))
    return table
