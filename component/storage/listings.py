"""Paged, searchable lists for the web app's tables: events, opt-outs, reminders under review,
customers' replies to review, invoices we notified about.

Each query is one organisation's rows (phone opt-outs, which apply everywhere, are in every
organisation's list), filtered by a search text (``LIKE`` with the wildcards escaped), ordered
newest first, and counted, so a page shows "page 2 of 7". The indexes of migration
``1510_web_listings`` back the filters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from component.storage.events import Event, _event
from component.storage.invoice_facts import InvoiceFact, _fact
from component.storage.optouts import OptOut, _optout
from component.storage.outbox_reads import OutboxMessage, _message
from component.storage.replies import Reply, _reply

if TYPE_CHECKING:
    from component.storage.store import Store

T = TypeVar("T")
PER_PAGE = 25
MAX_SEARCH = 200


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own % and _ taken literally.

    ASCII lower-cased, and compared with ``lower(column)`` (which folds ASCII only, on both
    backends): SQLite's LIKE ignores ASCII case and PostgreSQL's does not, so the searches match
    the same rows on both."""
    escaped = (
        text[:MAX_SEARCH]
        .translate(_ASCII_LOWER)
        .replace("\\", "\\\\")
        .replace("%", "\\%")
        .replace("_", "\\_")
    )
    return f"%{escaped}%"


def _matching(columns: Sequence[str], search: str) -> tuple[str, list[object]]:
    """The ``AND (... LIKE ...)`` fragment searching ``columns``, and its arguments."""
    if not search:
        return "", []
    tests = " OR ".join(f"lower({column}) LIKE ? ESCAPE '\\'" for column in columns)
    return f" AND ({tests})", [like(search)] * len(columns)


def _page(
    store: Store,
    table: str,
    where: str,
    args: Sequence[object],
    order_by: str,
    convert: Callable[[Any], T],
    page: int,
    per_page: int,
) -> Paged[T]:
    """One page of ``table``'s rows matching ``where`` and their count, read in one snapshot.

    ``table``, ``where`` and ``order_by`` are fixed fragments of this module, never user text:
    searches reach the SQL only as arguments."""
    with store.read() as conn:
        total = conn.execute(
            f"SELECT COUNT(*) AS n FROM {table} WHERE {where}",  # noqa: S608 - fixed fragments
            list(args),
        ).fetchone()["n"]
        rows = conn.execute(
            f"SELECT * FROM {table} WHERE {where} ORDER BY {order_by} "  # noqa: S608
            "LIMIT ? OFFSET ?",
            [*args, per_page, (page - 1) * per_page],
        ).fetchall()
    return Paged([convert(r) for r in rows], int(total), page, per_page)


def events(
    store: Store,
    tenant_id: str,
    states: tuple[str, ...],
    search: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Paged[Event]:
    marks = ",".join("?" for _ in states)
    found, searched = _matching(("resource_id", "category", "last_error"), search)
    where = f"tenant_id = ? AND state IN ({marks}){found}"
    args = [tenant_id, *states, *searched]
    return _page(store, "webhook_events", where, args, "id DESC", _event, page, per_page)


def optouts(
    store: Store, tenant_id: str, search: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Paged[OptOut]:
    found, searched = _matching(("subject", "reason"), search)
    where = f"((scope = 'contact' AND tenant_id = ?) OR scope = 'phone'){found}"
    order = "created_at DESC, subject"
    return _page(store, "optouts", where, [tenant_id, *searched], order, _optout, page, per_page)


def under_review(
    store: Store, tenant_id: str, page: int = 1, per_page: int = PER_PAGE
) -> Paged[OutboxMessage]:
    """Messages whose outcome is unknown (the process died or the answer was lost)."""
    where = "tenant_id = ? AND state IN ('sending', 'unknown')"
    order = "updated_at, key"
    return _page(store, "outbox_messages", where, [tenant_id], order, _message, page, per_page)


def invoices(
    store: Store, tenant_id: str, search: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Paged[InvoiceFact]:
    """Invoices we notified about (``invoice_facts``), by number, newest change first."""
    found, searched = _matching(("number", "contact_name", "invoice_id"), search)
    where = f"tenant_id = ?{found}"
    order = "updated_at DESC, invoice_id"
    return _page(
        store, "invoice_facts", where, [tenant_id, *searched], order, _fact, page, per_page
    )


def replies_to_review(
    store: Store, tenant_id: str, page: int = 1, per_page: int = PER_PAGE
) -> Paged[Reply]:
    """Customers' messages nobody has marked reviewed (``whatsapp_replies_review``), newest
    first: the organisation's, and those matched to no organisation (``tenant_id = ''``: a
    number with no open reminder), which only the owner can place."""
    where = "reviewed = 0 AND tenant_id IN (?, '')"
    order = "received_at DESC, wamid"
    return _page(store, "whatsapp_replies", where, [tenant_id], order, _reply, page, per_page)
