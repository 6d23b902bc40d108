"""What happened: notification timelines and the dashboard's figures, as indexed queries.

This is the one module the web dashboard, ``xero-wa history`` and ``xero-wa runs`` read from
(``store.activity``). Every query starts from an index range and joins by primary keys or
indexes; none scans a whole table (the index each uses is named in its docstring). Times are
UTC; a period is ``[since, until)``.

Timelines (``xero-wa history``):
- ``invoice_notifications(tenant, invoice_id)``: every message about one invoice (reminders,
  alerts, thank-yous, e-mail fallbacks), each with its WhatsApp statuses;
- ``contact_notifications(tenant, contact_id)``: the same for everything sent to one contact.

Dashboard (the web app's home page), for one organisation or all (``tenant_id=None``):
- ``funnel(since, until)``: invoices eligible for a reminder (each counted once however many
  runs found it due) → in a sent reminder → delivered → read → paid within 7 and within 30 days
  of the reminder;
- ``daily_sends(since, until)``: WhatsApp messages accepted per UTC day and kind;
- ``skips_by_reason(since, until)``: invoices skipped by reminder runs, by reason;
- ``failures_by_code(since, until)``: refused sends (from runs) and failed statuses (from Meta's
  webhooks) by Meta's code, with the code's meaning;
- ``xero_calls_since(since)``: Xero calls the recorded runs used (compare with
  ``settings.xero_daily_call_budget``);
- ``parked_events()``: webhook events the worker gave up on.
The next scheduled runs are not stored facts: ``component.scheduler.engine.next_runs`` computes them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from component.storage.events import Event, stamp
from component.whatsapp.codes import lookup

if TYPE_CHECKING:
    from component.storage.database import Row
    from component.storage.store import Store

DELIVERED = ("delivered", "read", "played")
READ = ("read", "played")


@dataclass(frozen=True)
class StatusStep:
    status: str  # sent | delivered | read | played | failed
    at: str
    code: int | None = None
    meaning: str | None = None


@dataclass(frozen=True)
class Notification:
    """One outbox message (a WhatsApp message or an e-mail fallback) and what became of it."""

    key: str
    kind: str  # reminder | alert | email
    tenant_id: str
    stages: tuple[str, ...]
    state: str  # intent | sending | sent | failed | unknown
    contact_id: str | None
    recipient: str | None
    message_id: str | None
    template: str | None
    created_at: str
    sent_at: str | None
    error_code: str | None
    error_meaning: str | None
    invoices: tuple[str, ...]
    statuses: tuple[StatusStep, ...] = ()
    details: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Funnel:
    eligible: int
    sent: int
    delivered: int
    read: int
    paid_within_7_days: int
    paid_within_30_days: int


class ActivityQueries:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ timelines
    def invoice_notifications(self, tenant_id: str, invoice_id: str) -> list[Notification]:
        """Messages carrying the invoice (``outbox_items_subject``), oldest first."""
        subject = invoice_id.lower()
        rows = self._store.fetchall(
            """SELECT DISTINCT i.message_key FROM outbox_items i
               WHERE i.subject_id IN (?, ?) AND i.tenant_id = ?""",
            (subject, f"{subject}:paid", tenant_id),
        )
        return self._notifications([r["message_key"] for r in rows])

    def contact_notifications(self, tenant_id: str, contact_id: str) -> list[Notification]:
        """Messages to the contact (``outbox_messages_contact``), oldest first."""
        rows = self._store.fetchall(
            """SELECT key FROM outbox_messages WHERE contact_id IN (?, ?) AND tenant_id = ?""",
            (contact_id.lower(), contact_id, tenant_id),
        )
        return self._notifications([r["key"] for r in rows])

    def _notifications(self, keys: list[str]) -> list[Notification]:
        found = [self._notification(key) for key in dict.fromkeys(keys)]
        kept = [n for n in found if n is not None]
        return sorted(kept, key=lambda n: (n.sent_at or n.created_at, n.key))

    def _notification(self, key: str) -> Notification | None:
        row = self._store.fetchone("SELECT * FROM outbox_messages WHERE key = ?", (key,))
        if row is None:
            return None
        items = self._store.fetchall(
            "SELECT subject_id, stage FROM outbox_items WHERE message_key = ? ORDER BY subject_id",
            (key,),
        )
        sent = self._store.fetchone(
            "SELECT * FROM whatsapp_messages WHERE callback_data = ? ORDER BY sent_at LIMIT 1",
            (key,),
        )
        wamid = row["message_id"] or (sent["wamid"] if sent else None)
        code = row["error_code"]
        return Notification(
            key=key,
            kind=row["kind"],
            tenant_id=row["tenant_id"],
            stages=tuple(sorted({i["stage"] for i in items})),
            state=row["state"],
            contact_id=row["contact_id"],
            recipient=row["recipient"],
            message_id=wamid if row["kind"] != "email" else None,
            template=sent["template"] if sent else None,
            created_at=row["created_at"],
            sent_at=sent["sent_at"] if sent else None,
            error_code=code,
            error_meaning=_meaning(code) if code else None,
            invoices=tuple(dict.fromkeys(i["subject_id"].split(":", 1)[0] for i in items)),
            statuses=self.statuses(wamid) if wamid and row["kind"] != "email" else (),
            details=json.loads(row["details_json"] or "{}"),
        )

    def statuses(self, wamid: str) -> tuple[StatusStep, ...]:
        """Meta's statuses of one message (primary key ``(wamid, status)``), in order."""
        rows = self._store.fetchall(
            "SELECT status, timestamp, errors_json FROM whatsapp_statuses WHERE wamid = ?",
            (wamid,),
        )
        steps = []
        for r in rows:
            code = _first_code(r["errors_json"])
            meaning = lookup(code).advice if r["status"] == "failed" else None
            steps.append(StatusStep(r["status"], r["timestamp"], code, meaning))
        order = {"sent": 1, "delivered": 2, "read": 3, "played": 4, "failed": 5}
        return tuple(sorted(steps, key=lambda s: (s.at, order.get(s.status, 0))))

    # ------------------------------------------------------------------ dashboard
    def funnel(self, since: datetime, until: datetime, tenant_id: str | None = None) -> Funnel:
        """Eligible invoices: each (invoice, stage) a run found due in the period, once however
        many runs found it (``store.eligibility``); the rest from reminders accepted in the
        period (``whatsapp_messages_sent``), joined by keys to their invoices and paid dates
        (``invoice_facts`` primary key)."""
        eligible = self._store.eligibility.count(since, until, tenant_id)
        sent = delivered = read = paid7 = paid30 = 0
        for row in self._reminders_sent(since, until, tenant_id):
            invoices = self._store.fetchall(
                """SELECT f.paid_on FROM outbox_items i LEFT JOIN invoice_facts f
                       ON f.tenant_id = i.tenant_id AND f.invoice_id = i.subject_id
                   WHERE i.message_key = ?""",
                (row["key"],),
            )
            states = {
                r["status"]
                for r in self._store.fetchall(
                    "SELECT status FROM whatsapp_statuses WHERE wamid = ?", (row["wamid"],)
                )
            }
            count = len(invoices)
            sent += count
            delivered += count if states & set(DELIVERED) else 0
            read += count if states & set(READ) else 0
            day = date.fromisoformat(row["sent_at"][:10])
            for invoice in invoices:
                paid = invoice["paid_on"]
                if paid is None:
                    continue
                waited = (date.fromisoformat(paid) - day).days
                paid7 += 1 if 0 <= waited <= 7 else 0
                paid30 += 1 if 0 <= waited <= 30 else 0
        return Funnel(max(eligible, sent), sent, delivered, read, paid7, paid30)

    def daily_sends(
        self, since: datetime, until: datetime, tenant_id: str | None = None
    ) -> dict[str, dict[str, int]]:
        """``{"2026-07-14": {"reminder": 27, "alert": 3}}`` (``whatsapp_messages_sent``)."""
        sql = """SELECT substr(m.sent_at, 1, 10) AS day, o.kind AS kind, COUNT(*) AS n
                 FROM whatsapp_messages m JOIN outbox_messages o ON o.key = m.callback_data
                 WHERE m.sent_at >= ? AND m.sent_at < ?"""
        args: list[Any] = [_iso(since), _iso(until)]
        if tenant_id is not None:
            sql += " AND o.tenant_id = ?"
            args.append(tenant_id)
        out: dict[str, dict[str, int]] = {}
        for r in self._store.fetchall(sql + " GROUP BY substr(m.sent_at, 1, 10), o.kind", args):
            out.setdefault(r["day"], {})[r["kind"]] = r["n"]
        return dict(sorted(out.items()))

    def skips_by_reason(
        self, since: datetime, until: datetime, tenant_id: str | None = None
    ) -> dict[str, int]:
        """Invoices skipped by reminder runs started in the period (``runs_started``)."""
        return self._outcomes(since, until, tenant_id, "skipped")

    def failures_by_code(
        self, since: datetime, until: datetime, tenant_id: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """``{"131026": {"count": 2, "meaning": "..."}}``: sends Meta refused at once (runs'
        outcomes) plus messages Meta accepted and later reported ``failed``."""
        counts: Counter[str] = Counter(self._outcomes(since, until, tenant_id, "failed"))
        sql = """SELECT s.errors_json FROM whatsapp_messages m
                 JOIN whatsapp_statuses s ON s.wamid = m.wamid AND s.status = 'failed'
                 JOIN outbox_messages o ON o.key = m.callback_data
                 WHERE m.sent_at >= ? AND m.sent_at < ?"""
        args: list[Any] = [_iso(since), _iso(until)]
        if tenant_id is not None:
            sql += " AND o.tenant_id = ?"
            args.append(tenant_id)
        for r in self._store.fetchall(sql, args):
            code = _first_code(r["errors_json"])
            counts[str(code) if code is not None else "unknown"] += 1
        return {code: {"count": n, "meaning": _meaning(code)} for code, n in sorted(counts.items())}

    def xero_calls_since(self, since: datetime, tenant_id: str | None = None) -> int:
        """Xero calls of the runs started since ``since`` (``runs_started``)."""
        sql, args = "SELECT SUM(xero_calls) AS n FROM runs WHERE started_at >= ?", [stamp(since)]
        if tenant_id is not None:
            sql += " AND tenant_id = ?"
            args.append(tenant_id)
        row = self._store.fetchone(sql, args)
        return int(row["n"] or 0)

    def parked_events(self, tenant_id: str | None = None, limit: int = 100) -> list[Event]:
        """Events parked with their error (``webhook_events_tenant`` / ``webhook_events_due``)."""
        if tenant_id is None:
            return self._store.events.list(("parked",), limit)
        rows = self._store.fetchall(
            "SELECT id FROM webhook_events WHERE tenant_id = ? AND state = 'parked' "
            "ORDER BY id LIMIT ?",
            (tenant_id, limit),
        )
        return [e for e in (self._store.events.get(r["id"]) for r in rows) if e is not None]

    def parked_counts(self) -> dict[str, int]:
        """Parked events per organisation (``webhook_events_due``: state first)."""
        rows = self._store.fetchall(
            "SELECT tenant_id, COUNT(*) AS n FROM webhook_events WHERE state = 'parked' "
            "GROUP BY tenant_id"
        )
        return {r["tenant_id"]: r["n"] for r in rows}

    # ------------------------------------------------------------------ helpers
    def _reminders_sent(self, since: datetime, until: datetime, tenant_id: str | None) -> list[Row]:
        sql = """SELECT m.wamid, m.sent_at, o.key FROM whatsapp_messages m
                 JOIN outbox_messages o ON o.key = m.callback_data
                 WHERE m.sent_at >= ? AND m.sent_at < ? AND o.kind = 'reminder'"""
        args: list[Any] = [_iso(since), _iso(until)]
        if tenant_id is not None:
            sql += " AND o.tenant_id = ?"
            args.append(tenant_id)
        return self._store.fetchall(sql, args)

    def _outcomes(
        self, since: datetime, until: datetime, tenant_id: str | None, outcome: str
    ) -> dict[str, int]:
        # Real runs only: a dry run (a policy preview) decides nothing and sends nothing.
        sql = """SELECT o.reason AS reason, SUM(o.count) AS n FROM runs r
                 JOIN run_outcomes o ON o.run_id = r.id
                 WHERE r.started_at >= ? AND r.started_at < ? AND o.outcome = ?
                   AND r.job = 'reminders'"""
        args: list[Any] = [stamp(since), stamp(until), outcome]
        if tenant_id is not None:
            sql += " AND r.tenant_id = ?"
            args.append(tenant_id)
        rows = self._store.fetchall(sql + " GROUP BY o.reason", args)
        return {r["reason"]: int(r["n"]) for r in rows}


def _first_code(errors_json: str | None) -> int | None:
    if not errors_json:
        return None
    try:
        found = json.loads(errors_json)
    except ValueError:
        return None
    for error in found if isinstance(found, list) else []:
        if isinstance(error, dict) and isinstance(error.get("code"), int):
            code: int = error["code"]
            return code
    return None


def _meaning(code: str) -> str:
    return lookup(int(code)).advice if code.isdigit() else "not a Meta error code"


def _iso(moment: datetime) -> str:
    """``whatsapp_messages.sent_at`` is ``datetime.isoformat()`` in UTC."""
    return moment.astimezone(UTC).isoformat()


def period(days: int, now: datetime) -> tuple[datetime, datetime]:
    """The last ``days`` days up to ``now`` (a helper for callers)."""
    return now - timedelta(days=days), now
