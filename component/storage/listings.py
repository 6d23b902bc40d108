"""Paged, searchable lists for the web app's tables: events, opt-outs, reminders under review,
customers' replies to review, invoices we notified about.

Each query is one organisation's rows (phone opt-outs, which apply everywhere, are in every
organisation's list), filtered by a search text (``LIKE`` with the wildcards escaped), ordered
newest first, and counted, so a page shows "page 2 of 7". The indexes of migration
``1510_web_listings`` back the filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from component.storage.events import Event, _event
from component.storage.invoice_facts import InvoiceFact, _fact
from component.storage.optouts import OptOut, _optout
from component.storage.outbox import OutboxMessage, _message
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


def events(
    store: Store,
    tenant_id: str,
    states: tuple[str, ...],
    search: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Paged[Event]:
    marks = ",".join("?" for _ in states)
    where = f"tenant_id = ? AND state IN ({marks})"
    args: list[object] = [tenant_id, *states]
    if search:
        where += (
            " AND (lower(resource_id) LIKE ? ESCAPE '\\' OR lower(category) LIKE ? ESCAPE '\\'"
            " OR lower(last_error) LIKE ? ESCAPE '\\')"
        )
        args += [like(search)] * 3
    total = store.fetchone(
        f"SELECT COUNT(*) AS n FROM webhook_events WHERE {where}",  # noqa: S608 - fixed fragments
        args,
    )["n"]
    rows = store.fetchall(
        f"SELECT * FROM webhook_events WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",  # noqa: S608
        [*args, per_page, (page - 1) * per_page],
    )
    return Paged([_event(r) for r in rows], int(total), page, per_page)


def optouts(
    store: Store, tenant_id: str, search: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Paged[OptOut]:
    where = "((scope = 'contact' AND tenant_id = ?) OR scope = 'phone')"
    args: list[object] = [tenant_id]
    if search:
        where += " AND (lower(subject) LIKE ? ESCAPE '\\' OR lower(reason) LIKE ? ESCAPE '\\')"
        args += [like(search)] * 2
    total = store.fetchone(
        f"SELECT COUNT(*) AS n FROM optouts WHERE {where}",  # noqa: S608 - fixed fragments
        args,
    )["n"]
    rows = store.fetchall(
        f"SELECT * FROM optouts WHERE {where} ORDER BY created_at DESC, subject "  # noqa: S608
        "LIMIT ? OFFSET ?",
        [*args, per_page, (page - 1) * per_page],
    )
    return Paged([_optout(r) for r in rows], int(total), page, per_page)


def under_review(
    store: Store, tenant_id: str, page: int = 1, per_page: int = PER_PAGE
) -> Paged[OutboxMessage]:
    """Messages whose outcome is unknown (the process died or the answer was lost)."""
    where = "tenant_id = ? AND state IN ('sending', 'unknown')"
    total = store.fetchone(
        f"SELECT COUNT(*) AS n FROM outbox_messages WHERE {where}",  # noqa: S608 - fixed
        (tenant_id,),
    )["n"]
    rows = store.fetchall(
        f"SELECT * FROM outbox_messages WHERE {where} ORDER BY updated_at, key "  # noqa: S608
        "LIMIT ? OFFSET ?",
        (tenant_id, per_page, (page - 1) * per_page),
    )
    return Paged([_message(r) for r in rows], int(total), page, per_page)


def invoices(
    store: Store, tenant_id: str, search: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Paged[InvoiceFact]:
    """Invoices we notified about (``invoice_facts``), by number, newest change first."""
    where = "tenant_id = ?"
    args: list[object] = [tenant_id]
    if search:
        where += (
            " AND (lower(number) LIKE ? ESCAPE '\\' OR lower(contact_name) LIKE ? ESCAPE '\\'"
            " OR lower(invoice_id) LIKE ? ESCAPE '\\')"
        )
        args += [like(search)] * 3
    total = store.fetchone(
        f"SELECT COUNT(*) AS n FROM invoice_facts WHERE {where}",  # noqa: S608 - fixed fragments
        args,
    )["n"]
    rows = store.fetchall(
        f"SELECT * FROM invoice_facts WHERE {where} ORDER BY updated_at DESC, invoice_id "  # noqa: S608
        "LIMIT ? OFFSET ?",
        [*args, per_page, (page - 1) * per_page],
    )
    return Paged([_fact(r) for r in rows], int(total), page, per_page)


def replies_to_review(
    store: Store, tenant_id: str, page: int = 1, per_page: int = PER_PAGE
) -> Paged[Reply]:
    """Customers' messages nobody has marked reviewed (``whatsapp_replies_review``), newest
    first: the organisation's, and those matched to no organisation (``tenant_id = ''``: a
    number with no open reminder), which only the owner can place."""
    where = "reviewed = 0 AND tenant_id IN (?, '')"
    with store.read() as conn:
        total = conn.execute(
            f"SELECT COUNT(*) AS n FROM whatsapp_replies WHERE {where}",  # noqa: S608 - fixed
            (tenant_id,),
        ).fetchone()["n"]
        rows = conn.execute(
            f"SELECT * FROM whatsapp_replies WHERE {where} "  # noqa: S608 - fixed fragments
            "ORDER BY received_at DESC, wamid LIMIT ? OFFSET ?",
            (tenant_id, per_page, (page - 1) * per_page),
        ).fetchall()
    return Paged([_reply(r) for r in rows], int(total), page, per_page)
