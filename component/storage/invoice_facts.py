"""What the history knows about the invoices we notified about: number, contact, paid date, notes.

Xero stays the source of truth; these rows only let ``xero-wa history --invoice INV-0042`` and
``--contact "Asha Textiles"`` find the invoice or contact without calling Xero, and let the
dashboard tell whether an invoice was paid within 7 or 30 days of its reminder. They are written:

- when the outbox claims a message (``remember_claim``, inside the claim's transaction, so every
  notification's invoices are findable by number whoever sent it);
- when the worker sees an invoice's current state (``remember_invoice``: status, and Xero's
  ``FullyPaidOnDate`` once it is paid);
- when a History note is written in Xero about a notification (``note``).

Invoice and contact ids are kept lower case (as the reminder job and the outbox key them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.storage.events import stamp
from component.xero.dates import calendar_date

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store


@dataclass(frozen=True)
class InvoiceFact:
    tenant_id: str
    invoice_id: str
    number: str | None
    contact_id: str | None
    contact_name: str | None
    status: str | None
    paid_on: str | None
    updated_at: str


@dataclass(frozen=True)
class InvoiceNote:
    tenant_id: str
    invoice_id: str
    message_key: str
    text: str
    written_at: str


class InvoiceFactsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ writes
    def remember_invoice(self, tenant_id: str, invoice: Mapping[str, Any], now: datetime) -> None:
        """An invoice record as Xero returned it: its number, contact, status and paid date."""
        invoice_id = str(invoice.get("InvoiceID") or "").lower()
        if not invoice_id:
            return
        found = invoice.get("Contact")
        contact: Mapping[str, Any] = found if isinstance(found, dict) else {}
        paid = calendar_date(dict(invoice), "FullyPaidOnDate")
        with self._store.transaction() as conn:
            upsert(
                conn,
                tenant_id,
                invoice_id,
                now,
                number=_text(invoice.get("InvoiceNumber")),
                contact_id=(_text(contact.get("ContactID")) or "").lower() or None,
                contact_name=_text(contact.get("Name")),
                status=_text(invoice.get("Status")),
                paid_on=paid.isoformat() if paid else None,
            )

    def note(
        self, tenant_id: str, invoice_id: str, message_key: str, text: str, now: datetime
    ) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO invoice_notes (tenant_id, invoice_id, message_key, text, written_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (tenant_id, invoice_id, message_key) DO NOTHING""",
                (tenant_id, invoice_id.lower(), message_key, text, stamp(now)),
            )

    # ------------------------------------------------------------------ reads
    def get(self, tenant_id: str, invoice_id: str) -> InvoiceFact | None:
        row = self._store.fetchone(
            "SELECT * FROM invoice_facts WHERE tenant_id = ? AND invoice_id = ?",
            (tenant_id, invoice_id.lower()),
        )
        return _fact(row) if row else None

    def find_invoices(self, text: str) -> list[InvoiceFact]:
        """Invoices whose id or number is ``text`` (case-insensitive), in every organisation."""
        wanted = text.strip().lower()
        rows = self._store.fetchall(
            """SELECT * FROM invoice_facts WHERE invoice_id = ?
               UNION SELECT * FROM invoice_facts WHERE lower(number) = ?""",
            (wanted, wanted),
        )
        return sorted((_fact(r) for r in rows), key=lambda f: (f.tenant_id, f.invoice_id))

    def find_contacts(self, text: str) -> list[tuple[str, str, str]]:
        """(tenant id, contact id, name) of contacts whose id or name is ``text``: those we
        notified, and those in the reminder job's contacts cache."""
        wanted = text.strip().lower()
        rows = self._store.fetchall(
            """SELECT DISTINCT tenant_id, contact_id, contact_name FROM invoice_facts
               WHERE contact_id = ?
               UNION SELECT DISTINCT tenant_id, contact_id, contact_name FROM invoice_facts
               WHERE lower(contact_name) = ?
               UNION SELECT tenant_id, contact_id, name AS contact_name FROM reminder_contacts
               WHERE contact_id = ?
               UNION SELECT tenant_id, contact_id, name AS contact_name FROM reminder_contacts
               WHERE lower(name) = ?""",
            (wanted, wanted, wanted, wanted),
        )
        found: dict[tuple[str, str], str] = {}
        for r in rows:
            key = (r["tenant_id"], r["contact_id"])
            found[key] = found.get(key) or r["contact_name"] or ""
        return sorted((t, c, n) for (t, c), n in found.items() if c)

    def known_numbers(self, limit: int = 2000) -> list[str]:
        """Some invoice numbers (for "did you mean" suggestions)."""
        rows = self._store.fetchall(
            "SELECT number FROM invoice_facts WHERE number IS NOT NULL LIMIT ?", (limit,)
        )
        return [r["number"] for r in rows]

    def known_contact_names(self, limit: int = 2000) -> list[str]:
        rows = self._store.fetchall(
            "SELECT DISTINCT contact_name FROM invoice_facts WHERE contact_name IS NOT NULL "
            "LIMIT ?",
            (limit,),
        )
        return [r["contact_name"] for r in rows]

    def of_contact(self, tenant_id: str, contact_id: str) -> list[InvoiceFact]:
        rows = self._store.fetchall(
            "SELECT * FROM invoice_facts WHERE contact_id = ? AND tenant_id = ? "
            "ORDER BY invoice_id",
            (contact_id.lower(), tenant_id),
        )
        return [_fact(r) for r in rows]

    def notes(self, tenant_id: str, invoice_id: str) -> list[InvoiceNote]:
        rows = self._store.fetchall(
            "SELECT * FROM invoice_notes WHERE tenant_id = ? AND invoice_id = ? "
            "ORDER BY written_at",
            (tenant_id, invoice_id.lower()),
        )
        return [
            InvoiceNote(
                r["tenant_id"], r["invoice_id"], r["message_key"], r["text"], r["written_at"]
            )
            for r in rows
        ]


def remember_claim(
    conn: Conn,
    tenant_id: str,
    subjects: Iterable[str],
    contact_id: str | None,
    details: Mapping[str, Any],
    now: datetime,
) -> None:
    """Inside the outbox's claim: make the message's invoices findable by number and contact.

    ``details`` is the outbox message's: a reminder lists ``invoices`` (id, number) and names the
    ``contact``; an alert carries ``invoiceNumber`` (and ``contact`` when known).
    """
    numbers: dict[str, str] = {}
    for invoice in details.get("invoices") or []:
        if isinstance(invoice, dict) and invoice.get("id"):
            numbers[str(invoice["id"]).lower()] = str(invoice.get("number") or "")
    contact_name = _text(details.get("contact"))
    single = _text(details.get("invoiceNumber"))
    contact = (contact_id or "").lower() or None
    rows = []
    for subject in subjects:
        invoice_id = subject.split(":", 1)[0].lower()
        number = numbers.get(invoice_id) or single
        rows.append(
            _row(
                tenant_id,
                invoice_id,
                now,
                number=number,
                contact_id=contact,
                contact_name=contact_name,
            )
        )
    conn.executemany(UPSERT, rows)  # one statement for the message's invoices (3.4 on average)


#: Insert or complete a fact: a known value is never replaced by an unknown one.
UPSERT = """INSERT INTO invoice_facts (tenant_id, invoice_id, number, contact_id, contact_name,
               status, paid_on, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, invoice_id) DO UPDATE SET
               number = COALESCE(excluded.number, invoice_facts.number),
               contact_id = COALESCE(excluded.contact_id, invoice_facts.contact_id),
               contact_name = COALESCE(excluded.contact_name, invoice_facts.contact_name),
               status = COALESCE(excluded.status, invoice_facts.status),
               paid_on = COALESCE(excluded.paid_on, invoice_facts.paid_on),
               updated_at = excluded.updated_at"""
_COLUMNS = ("number", "contact_id", "contact_name", "status", "paid_on")


def upsert(
    conn: Conn,
    tenant_id: str,
    invoice_id: str,
    now: datetime,
    **values: str | None,
) -> None:
    """Insert or complete a fact: a known value is never replaced by an unknown one."""
    conn.execute(UPSERT, _row(tenant_id, invoice_id, now, **values))


def _row(tenant_id: str, invoice_id: str, now: datetime, **values: str | None) -> tuple[Any, ...]:
    """``UPSERT``'s parameters (the ``_COLUMNS`` not given are unknown)."""
    return (tenant_id, invoice_id, *(values.get(c) for c in _COLUMNS), stamp(now))


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _fact(row: Row) -> InvoiceFact:
    return InvoiceFact(
        tenant_id=row["tenant_id"],
        invoice_id=row["invoice_id"],
        number=row["number"],
        contact_id=row["contact_id"],
        contact_name=row["contact_name"],
        status=row["status"],
        paid_on=row["paid_on"],
        updated_at=row["updated_at"],
    )
