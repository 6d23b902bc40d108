"""The reminder report for people: messages, skips by reason, and a closing summary.

It reads the ``sendPaymentReminders`` output (``Report.to_json``) and its entries, so the CLI
and ``make demo`` show exactly what any other front end receives. ``LiveReport`` takes the
entries as the run makes them (the CLI streams them: nothing per invoice is kept): skipped
invoices are shown as counts by reason (a ledger has hundreds); messages (sent, failed, held for
review) are listed one per line, up to ``limit`` (the first ones only are kept), or every entry
as it happens with ``details``. A dry run shows every planned message whole, as the customer
would read it, as it is planned. Names, numbers and texts come from Xero and WhatsApp: they are
printed as text, never read as console markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.markup import escape

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
    "no_pay_link": "no pay link yet (a later run sends it)",
    "configuration_error": "stopped by a configuration error",
}

Report = Mapping[str, Any]


def has_failures(report: Report) -> bool:
    """A refused send, a configuration error or a send whose outcome is unknown."""
    return bool(
        report.get("failed") or report.get("configurationErrors") or report.get("needsReview")
    )


def render(report: Report, console: Console, *, limit: int = 50) -> None:
    """Print a finished report (its entries included): messages, skips, problems, summary."""
    live = LiveReport(console, limit=limit)
    for entry in report.get("entries") or []:
        live.entry(entry)
    live.finish(report)


class LiveReport:
    """The readable report, fed entry by entry as the run makes them, then finished."""

    def __init__(self, console: Console, *, details: bool = False, limit: int = 50) -> None:
        self.console = console
        self.details = details
        self.limit = limit
        self.kept: list[Mapping[str, Any]] = []
        self.more = 0

    def entry(self, entry: Mapping[str, Any]) -> None:
        """A planned message is printed whole at once; with ``details`` every entry is one line
        at once; otherwise the first ``limit`` messages are kept for the table, others counted."""
        outcome = entry.get("outcome")
        if outcome == "planned":
            _print_message(entry, self.console)
        elif self.details:
            self.console.print(_entry_line(entry), soft_wrap=True)
        elif outcome in MESSAGE_OUTCOMES:
            if len(self.kept) < self.limit:
                self.kept.append(entry)
            else:
                self.more += 1

    def finish(self, report: Report) -> None:
        """Messages kept, skips by reason, problems, then the summary line."""
        if self.kept:
            self.console.print(_messages_table(self.kept))
        if self.more:
            self.console.print(f"  … and {self.more} more (use --details or --json for all)")
        _closing(report, self.console)


def _closing(report: Report, console: Console) -> None:
    if report.get("skipped"):
        console.print(_skips_table(report["skipped"]))
    for problem in report.get("configurationErrors") or []:
        console.print(
            f"[red]Configuration error {escape(str(problem['code']))}[/] "
            f"({escape(str(problem['scope']))}): {escape(str(problem['message']))} "
            f"— {problem['stopped']} message(s) not sent"
        )
    for warning in report.get("warnings") or []:
        console.print(f"[yellow]![/] {escape(str(warning))}")
    console.print(summary_line(report))


def summary_line(report: Report) -> str:
    seconds = float(report.get("seconds") or 0.0)
    failed_by_code = report.get("failed") or {}
    failed = sum(failed_by_code.values())
    failed_text = ", ".join(f"{code} ×{n}" for code, n in sorted(failed_by_code.items()))
    if report.get("dryRun"):
        head = f"planned {report.get('planned', 0)} message(s), nothing sent (dry run)"
    else:
        head = (
            f"sent {report.get('sent', 0)} message(s) covering "
            f"{report.get('sentInvoices', 0)} invoice(s)"
        )
    parts = [
        head,
        f"skipped {sum((report.get('skipped') or {}).values())} invoice(s)",
        f"failed {failed}" + (f" ({failed_text})" if failed_text else ""),
        f"Xero calls {(report.get('xeroCalls') or {}).get('total', 0)}",
        f"WhatsApp sends {report.get('whatsappSends', 0)}",
        f"{seconds:.1f} s",
    ]
    if report.get("emailFallbacks"):
        parts.insert(3, f"e-mail fallbacks {report['emailFallbacks']}")
    if report.get("historyNotes"):
        parts.insert(3, f"history notes {report['historyNotes']}")
    return "[bold]" + escape(" · ".join(parts)) + "[/]"


def _entry_line(entry: Mapping[str, Any]) -> str:
    """One entry on one line (``--details``): outcome, customer, number, what and why."""
    outcome = str(entry.get("outcome") or "")
    mark = MARKS.get(outcome, f"[dim]- {escape(outcome)}[/]")
    who = " ".join(str(entry.get(k) or "") for k in ("contact", "recipient")).strip()
    what = entry.get("summary") or ", ".join(entry.get("invoices") or [])
    line = f"{mark} [bold]{escape(who)}[/] · {escape(str(what))}"
    why = ": ".join(str(entry[k]) for k in ("reason", "detail") if entry.get(k))
    return f"{line} [dim]{escape(why[:200])}[/]" if why else line


def _print_message(entry: Mapping[str, Any], console: Console) -> None:
    """One planned message: who gets it, then its text as WhatsApp will show it."""
    who = " ".join(str(entry.get(k) or "") for k in ("contact", "recipient")).strip()
    what = entry.get("summary") or ", ".join(entry.get("invoices") or [])
    console.print(f"{MARKS['planned']} [bold]{escape(who)}[/] · {escape(str(what))}")
    for line in str(entry.get("text") or "").splitlines():
        console.print(f"    {escape(line)}", soft_wrap=True)
    console.print()


def _messages_table(entries: list[Mapping[str, Any]]) -> object:
    from rich.table import Table

    table = Table(title="Messages", title_justify="left", show_lines=False)
    for column in ("", "Customer", "WhatsApp", "Reminder"):
        table.add_column(column)
    for entry in entries:
        what = escape(str(entry.get("summary") or ", ".join(entry.get("invoices") or [])))
        if entry["outcome"] in ("failed", "review") and entry.get("detail"):
            reason = escape(f"{entry.get('reason')}: {str(entry['detail'])[:120]}")
            what = f"{what}\n[dim]{reason}[/]"
        contact = escape(str(entry.get("contact") or ""))
        table.add_row(
            MARKS[entry["outcome"]], contact, escape(str(entry.get("recipient") or "")), what
        )
    return table


def _skips_table(skipped: Mapping[str, int]) -> object:
    from rich.table import Table

    table = Table(title="Skipped invoices", title_justify="left")
    table.add_column("Reason")
    table.add_column("Invoices", justify="right")
    for reason, count in sorted(skipped.items(), key=lambda kv: -kv[1]):
        table.add_row(escape(REASONS.get(reason, reason)), str(count))
    return table
