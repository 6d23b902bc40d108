"""What a reminder run did: counts for the summary, and (optionally) one entry per decision.

Counting units, so the numbers add up: ``sent`` counts WhatsApp messages (one per contact);
``skipped`` counts invoices, by reason; ``failed`` counts messages, by Meta's error code (or
``outcome_unknown``); configuration errors are listed once each with the number of messages
they stopped. ``entries`` (who, stage, message, or why skipped) are made when asked for. They
are kept in the report for the API, schedules and the demo; the CLI streams them instead
(``ENTRY_SINK``: each entry goes out as it is made and is not kept), so a run over 100,000
invoices holds counts, not 100,000 entries.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from component.notify.budget import XeroCalls


@dataclass
class Entry:
    tenant: str
    contact: str
    outcome: str  # sent | planned | skipped | failed | review
    invoices: list[str]
    stage: str | None = None
    recipient: str | None = None
    template: str | None = None
    reason: str | None = None
    detail: str = ""
    summary: str = ""
    #: The message as the customer reads it (body, footer, buttons), as WhatsApp renders it.
    text: str = ""
    message_id: str | None = None


EntrySink = Callable[[Entry], None]

#: A front end that streams entries sets this around its call (the CLI): the reminder action
#: then hands every entry to it as it is made, instead of keeping it in the report.
ENTRY_SINK: ContextVar[EntrySink | None] = ContextVar("xero_wa_entry_sink", default=None)


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def entry_json(entry: Entry) -> dict[str, Any]:
    """One entry as the report's JSON shows it (empty fields left out). Read field by field:
    ``dataclasses.asdict`` deep-copies recursively: two thirds of the time spent writing a
    run's report (one entry per invoice)."""
    out: dict[str, Any] = {}
    for name in _ENTRY_FIELDS:
        value = getattr(entry, name)
        if value not in (None, "", []):
            out[name] = list(value) if isinstance(value, list) else value
    return out


@dataclass
class ConfigProblem:
    """One configuration error, reported once per run however many sends it stopped."""

    code: str
    scope: str
    message: str
    stopped: int = 1


@dataclass
class Report:
    run_id: str
    dry_run: bool
    keep_entries: bool = True
    sent: int = 0
    sent_invoices: int = 0
    planned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    review: list[str] = field(default_factory=list)
    configuration: list[ConfigProblem] = field(default_factory=list)
    emails: int = 0
    notes: int = 0
    whatsapp_sends: int = 0
    xero: XeroCalls = field(default_factory=XeroCalls)
    tenants: list[dict[str, Any]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    elapsed: float | None = None
    #: Where entries go instead of ``entries`` (streamed, not kept).
    sink: EntrySink | None = None

    # ------------------------------------------------------------------ recording
    def add(self, entry: Entry) -> None:
        if self.sink is not None:
            self.sink(entry)
        elif self.keep_entries:
            self.entries.append(entry)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def fail(self, code: str) -> None:
        self.failed[code] += 1

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def finish(self) -> None:
        self.elapsed = time.perf_counter() - self.started

    # ------------------------------------------------------------------ reading
    @property
    def has_failures(self) -> bool:
        return bool(self.failed or self.configuration or self.review)

    def summary(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "dryRun": self.dry_run,
            "sent": self.sent,
            "sentInvoices": self.sent_invoices,
            "planned": self.planned,
            "skipped": dict(sorted(self.skipped.items())),
            "failed": dict(sorted(self.failed.items())),
            "needsReview": list(self.review),
            "configurationErrors": [asdict(p) for p in self.configuration],
            "emailFallbacks": self.emails,
            "historyNotes": self.notes,
            "whatsappSends": self.whatsapp_sends,
            "xeroCalls": {"total": self.xero.total, **dict(sorted(self.xero.by_purpose.items()))},
            "seconds": round(self.elapsed if self.elapsed is not None else 0.0, 3),
            "tenants": self.tenants,
            "warnings": self.warnings,
        }

    def to_json(self) -> dict[str, Any]:
        out = self.summary()
        if self.keep_entries and self.sink is None:
            out["entries"] = [entry_json(e) for e in self.entries]
        return out
