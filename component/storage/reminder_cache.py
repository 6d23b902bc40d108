"""The reminder job's working data: the contacts cache and one run's candidate invoices.

- ``ContactsCacheRepo``: each contact's name and phones. Xero's invoice list carries only a
  contact summary without phones, and fetching a contact per invoice would spend the daily budget
  in an afternoon, so contacts are paged into this cache once (1,000 per call) and refreshed with
  ``If-Modified-Since`` (usually one call) on every later run.
- ``CandidatesRepo``: the invoices one run may remind about, written page by page as Xero returns
  them and read back one contact at a time. The job's memory therefore stays flat whether the
  organisation has 10,000 overdue invoices or 100,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from component.storage.store import Store


@dataclass(frozen=True)
class CachedContact:
    contact_id: str
    name: str
    phones: list[dict[str, Any]]


@dataclass(frozen=True)
class Candidate:
    """An invoice that may get a reminder this run (only what a message needs)."""

    tenant_id: str
    contact_id: str
    invoice_id: str
    number: str
    contact_name: str
    due: date
    amount_due: Decimal
    currency: str


class ContactsCacheRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def put_many(
        self, tenant_id: str, contacts: Iterable[tuple[str, str, list[Any], str | None]]
    ) -> int:
        """Upsert ``(contact_id, name, phones, updated_utc)`` rows; returns how many."""
        rows = [
            (tenant_id, cid.lower(), name, json.dumps(phones), updated)
            for cid, name, phones, updated in contacts
        ]
        with self._store.transaction() as conn:
            conn.executemany(
                """INSERT INTO reminder_contacts (tenant_id, contact_id, name, phones_json, updated_utc)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(tenant_id, contact_id) DO UPDATE SET name = excluded.name,
                       phones_json = excluded.phones_json, updated_utc = excluded.updated_utc""",
                rows,
            )
        return len(rows)

    def get_many(self, tenant_id: str, contact_ids: list[str]) -> dict[str, CachedContact]:
        out: dict[str, CachedContact] = {}
        for start in range(0, len(contact_ids), 500):
            chunk = [c.lower() for c in contact_ids[start : start + 500]]
            marks = ",".join("?" for _ in chunk)
            rows = self._store.fetchall(
                f"SELECT contact_id, name, phones_json FROM reminder_contacts "  # noqa: S608 - placeholders only
                f"WHERE tenant_id = ? AND contact_id IN ({marks})",
                (tenant_id, *chunk),
            )
            for row in rows:
                phones = json.loads(row["phones_json"])
                out[row["contact_id"]] = CachedContact(row["contact_id"], row["name"], phones)
        return out

    def modified_since(self, tenant_id: str) -> str | None:
        """The newest ``UpdatedDateUTC`` seen for the tenant; None before the first full sync."""
        row = self._store.fetchone(
            "SELECT modified_since FROM reminder_contact_sync WHERE tenant_id = ?", (tenant_id,)
        )
        return None if row is None else row["modified_since"]

    def mark_synced(self, tenant_id: str, modified_since: str | None) -> None:
        """Record a completed sync; the mark only moves forwards."""
        now = datetime.now(UTC).isoformat()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO reminder_contact_sync (tenant_id, modified_since, synced_at)
                   VALUES (?, ?, ?)
                   ON CONFLICT(tenant_id) DO UPDATE SET synced_at = excluded.synced_at,
                       modified_since = CASE
                           WHEN COALESCE(excluded.modified_since, '')
                                > COALESCE(reminder_contact_sync.modified_since, '')
                           THEN COALESCE(excluded.modified_since, '')
                           ELSE COALESCE(reminder_contact_sync.modified_since, '') END""",
                (tenant_id, modified_since or "", now),
            )


class CandidatesRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add_many(self, run_id: str, candidates: Iterable[Candidate]) -> int:
        rows = [
            (
                run_id,
                c.tenant_id,
                c.contact_id.lower(),
                c.invoice_id.lower(),
                c.number,
                c.contact_name,
                c.due.isoformat(),
                str(c.amount_due),
                c.currency,
            )
            for c in candidates
        ]
        with self._store.transaction() as conn:
            conn.executemany(
                "INSERT INTO reminder_candidates (run_id, tenant_id, contact_id, "
                "invoice_id, number, contact_name, due_date, amount_due, currency) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, tenant_id, contact_id, invoice_id) DO UPDATE SET "
                "number = excluded.number, contact_name = excluded.contact_name, "
                "due_date = excluded.due_date, amount_due = excluded.amount_due, "
                "currency = excluded.currency",
                rows,
            )
        return len(rows)

    def by_contact(
        self, run_id: str, tenant_id: str, *, batch: int = 500
    ) -> Iterator[list[Candidate]]:
        """Each contact's candidates (oldest due first), reading ``batch`` contacts at a time."""
        after = ""
        while True:
            rows = self._store.fetchall(
                """SELECT * FROM reminder_candidates WHERE run_id = ? AND tenant_id = ?
                     AND contact_id IN (SELECT DISTINCT contact_id FROM reminder_candidates
                                        WHERE run_id = ? AND tenant_id = ? AND contact_id > ?
                                        ORDER BY contact_id LIMIT ?)
                   ORDER BY contact_id, due_date, number""",
                (run_id, tenant_id, run_id, tenant_id, after, batch),
            )
            if not rows:
                return
            group: list[Candidate] = []
            for row in rows:
                candidate = _candidate(row)
                if group and group[0].contact_id != candidate.contact_id:
                    yield group
                    group = []
                group.append(candidate)
            yield group
            after = rows[-1]["contact_id"]

    def contact_ids(self, run_id: str, tenant_id: str) -> int:
        row = self._store.fetchone(
            "SELECT COUNT(DISTINCT contact_id) FROM reminder_candidates "
            "WHERE run_id = ? AND tenant_id = ?",
            (run_id, tenant_id),
        )
        return int(row[0])

    def clear_before(self, run_id_prefix: str) -> None:
        """Forget candidates of runs that started before ``run_id_prefix`` (killed runs' rows).

        Run ids start with their UTC start time (``20260714T093000-…``), so they sort by age.
        """
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM reminder_candidates WHERE run_id < ?", (run_id_prefix,))

    def clear(self, run_id: str | None = None) -> None:
        """Forget one run's candidates (or every run's: leftovers of a killed run)."""
        with self._store.transaction() as conn:
            if run_id is None:
                conn.execute("DELETE FROM reminder_candidates")
            else:
                conn.execute("DELETE FROM reminder_candidates WHERE run_id = ?", (run_id,))


def _candidate(row: Any) -> Candidate:
    return Candidate(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        invoice_id=row["invoice_id"],
        number=row["number"],
        contact_name=row["contact_name"],
        due=date.fromisoformat(row["due_date"]),
        amount_due=Decimal(row["amount_due"]),
        currency=row["currency"],
    )
