"""The outbox: each (tenant, subject, stage) is sent at most once, and none is missed.

WhatsApp's /messages has no idempotency key, so exactly-once must come from here. A message may
cover several items (one reminder for a contact's three overdue invoices), so there are two
tables: ``outbox_messages`` (one row per WhatsApp message) and ``outbox_items`` (one row per
(tenant, subject, stage), pointing at the message that carries it, unique).

The life of a message, and what a crash at each point means on the next run::

    claim()        → intent    nothing has left the process: a re-run may send it (misses none)
    mark_sending() → sending   the HTTP call may have reached Meta: after a crash the outcome is
                               unknown, so it is reported for review and never resent blindly
    mark_sent()    → sent      done; its items are never sent again (no duplicate)
    mark_failed()  → failed    Meta refused it; ``retry`` says whether a later run may try again
                               (configuration and transient errors) or not (undeliverable)

``resolve()`` settles an unknown message when its status webhook arrives (the outbox key travels
as ``biz_opaque_callback_data``). It may come first, while the sender still waits to record its
answer (or the timeout of a lost one): ``mark_sent`` and ``mark_unknown`` then leave it sent.
``stop_subject()`` records that a subject (an invoice) must get nothing more, e.g. because it
was paid: a claim made after that skips it. The records (``Item``, ``OutboxMessage``) and the
reads (why an item is blocked, the messages awaiting review) are in
``component.storage.outbox_reads``; ``OutboxRepo`` adds these transitions to them.

On PostgreSQL, processes on several hosts share the outbox: every transition runs in a write
transaction that takes the store's write lock (a transaction-level advisory lock, as SQLite's
``BEGIN IMMEDIATE``), so a claim's check-then-insert over several items cannot interleave with
another process's claim or stop. There is no queue to skip over here (a claim names its items),
so nothing is gained by ``SKIP LOCKED``; the webhook queue is where workers compete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from component.storage.database import rerun_on_drop
from component.storage.invoice_facts import remember_claim
from component.storage.outbox_reads import Item, OutboxReads, item_links

if TYPE_CHECKING:
    from component.storage.store import Store

#: ``start_sending``'s usual case in one statement: an intent none of whose subjects is stopped
#: becomes "sending" (parameters: the time, the key).
_START_SENDING = """
    UPDATE outbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = ?
    WHERE key = ? AND state = 'intent' AND NOT EXISTS (
        SELECT 1 FROM outbox_items i JOIN outbox_stops s
            ON s.tenant_id = i.tenant_id AND s.subject_id = i.subject_id
        WHERE i.message_key = outbox_messages.key)
"""


@dataclass(frozen=True)
class Claim:
    """The result of ``claim``: whether to send, and why each blocked item is blocked."""

    granted: bool
    blocked: dict[Item, str] = field(default_factory=dict)


class OutboxRepo(OutboxReads):
    """The outbox's transitions, and its reads (``OutboxReads``)."""

    def __init__(self, store: Store, clock_now: Any = None) -> None:
        super().__init__(store)
        self._now = clock_now or (lambda: datetime.now(UTC))

    # ------------------------------------------------------------------ transitions
    @rerun_on_drop
    def claim(
        self,
        key: str,
        *,
        kind: str,
        items: list[Item],
        contact_id: str | None = None,
        recipient: str | None = None,
        run_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Claim:
        """Record the intent to send ``key`` carrying ``items``; all or nothing.

        Under the write lock, every item must be new, or linked to a message still in
        ``intent`` or in ``failed`` with ``retry`` allowed; otherwise nothing is claimed and the
        blocking reasons are returned so the caller can plan again without those items.
        """
        if not items:
            raise ValueError("a message must carry at least one item")
        tenant = items[0].tenant_id
        now = self._stamp()
        with self._store.transaction() as conn:
            links = item_links(conn, items)
            blocked = {i: link.reason for i, link in links.items() if link.reason != "open"}
            if blocked:
                return Claim(False, blocked)
            existing = conn.execute(
                "SELECT state FROM outbox_messages WHERE key = ?", (key,)
            ).fetchone()
            if existing is not None and existing["state"] not in ("intent", "failed"):
                return Claim(False, dict.fromkeys(items, f"message already {existing['state']}"))
            if existing is None:
                conn.execute(
                    """INSERT INTO outbox_messages (key, kind, tenant_id, contact_id, recipient, state,
                           retry, attempts, run_id, details_json, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, 'intent', 1, 0, ?, ?, ?, ?)""",
                    (key, kind, tenant, contact_id, recipient, run_id, _json(details), now, now),
                )
            else:
                conn.execute(
                    """UPDATE outbox_messages SET state = 'intent', recipient = ?, run_id = ?,
                           details_json = ?, updated_at = ? WHERE key = ?""",
                    (recipient, run_id, _json(details), now, key),
                )
            previous = {link.key for link in links.values() if link.key not in (None, key)}
            conn.executemany(
                """INSERT INTO outbox_items (tenant_id, subject_id, stage, message_key, created_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(tenant_id, subject_id, stage) DO UPDATE SET message_key = excluded.message_key""",
                [(i.tenant_id, i.subject_id, i.stage, key, now) for i in items],
            )
            # the history finds a notification's invoices by number and contact
            remember_claim(
                conn, tenant, [i.subject_id for i in items], contact_id, details or {}, self._now()
            )
            for old in previous:  # an unsent message whose items all moved to this one
                left = conn.execute(
                    "SELECT 1 FROM outbox_items WHERE message_key = ?", (old,)
                ).fetchone()
                if left is None:
                    conn.execute(
                        "DELETE FROM outbox_messages WHERE key = ? AND state IN ('intent', 'failed')",
                        (old,),
                    )
        return Claim(True)

    def mark_sending(self, key: str) -> None:
        """Committed right before the HTTP call: from here a crash means 'outcome unknown'."""
        self._transition(key, ("intent",), "state = 'sending', attempts = attempts + 1")

    @rerun_on_drop
    def start_sending(self, key: str) -> str | None:
        """``mark_sending`` as the last check before the request leaves; None when it may go.

        In one transaction: the message must still be this caller's ``intent`` (another process
        may have sent it meanwhile), and none of its subjects may have been stopped since the
        claim (an invoice paid while the message waited for WhatsApp's pacing). A stopped message
        is released (its items become free, and the stop keeps them from being claimed again).
        Returns why it must not be sent.

        The usual case (still an intent, nothing stopped) is one guarded ``UPDATE``; only when
        it moves nothing are the reasons read. Every send pays this inside the group commit's
        writer, which the 1,000/s tier keeps busy: three statements a send were one too many.
        """
        with self._store.transaction() as conn:
            if conn.execute(_START_SENDING, (self._stamp(), key)).rowcount:
                return None
            row = conn.execute("SELECT state FROM outbox_messages WHERE key = ?", (key,)).fetchone()
            if row is None or row["state"] != "intent":
                return f"message already {row['state'] if row else 'released'}"
            stop = conn.execute(
                """SELECT s.reason FROM outbox_items i JOIN outbox_stops s
                       ON s.tenant_id = i.tenant_id AND s.subject_id = i.subject_id
                   WHERE i.message_key = ? LIMIT 1""",
                (key,),
            ).fetchone()
            if stop is not None:
                conn.execute("DELETE FROM outbox_items WHERE message_key = ?", (key,))
                conn.execute("DELETE FROM outbox_messages WHERE key = ?", (key,))
                return f"stopped: {stop['reason']}"
            # an intent with no stop now: another PostgreSQL transaction changed it meanwhile
            conn.execute(
                "UPDATE outbox_messages SET state = 'sending', attempts = attempts + 1, "
                "updated_at = ? WHERE key = ?",
                (self._stamp(), key),
            )
        return None

    @rerun_on_drop
    def mark_sent(self, key: str, message_id: str) -> None:
        """Meta accepted the message. Another writer may have recorded that first, between the
        acceptance and this commit: the status webhook (``resolve``), or a person settling it.
        Then the message stays as that writer left it (sent), with this id when it had none:
        the outcome is the same, and raising here would crash the run after its message went."""
        with self._store.transaction() as conn:
            if self._transition(
                key,
                ("sending", "unknown"),
                "state = 'sent', message_id = ?, error_code = NULL, error_message = NULL",
                (message_id,),
                already=("sent",),
            ):
                return
            conn.execute(
                "UPDATE outbox_messages SET message_id = ?, updated_at = ? "
                "WHERE key = ? AND message_id IS NULL",
                (message_id, self._stamp(), key),
            )

    def mark_failed(self, key: str, code: str, message: str, *, retry: bool) -> None:
        """Meta refused the message (nothing delivered). ``retry``: may a later run try again?"""
        self._transition(
            key,
            ("sending", "intent"),
            "state = 'failed', retry = ?, error_code = ?, error_message = ?",
            (1 if retry else 0, code, message),
        )

    def mark_unknown(self, key: str, message: str) -> bool:
        """The request may have reached Meta but no answer came back: hold for review. False
        when it is not held because its status webhook already proved it sent (Meta's status
        can arrive before the lost answer times out): it stays sent."""
        return self._transition(
            key, ("sending",), "state = 'unknown', error_message = ?", (message,), already=("sent",)
        )

    @rerun_on_drop
    def resolve(self, key: str, message_id: str) -> bool:
        """A status webhook proved an unknown message was sent; True when something changed."""
        with self._store.transaction() as conn:
            changed = conn.execute(
                "UPDATE outbox_messages SET state = 'sent', message_id = ?, updated_at = ? "
                "WHERE key = ? AND state IN ('sending', 'unknown', 'intent')",
                (message_id, self._stamp(), key),
            ).rowcount
        return changed > 0

    @rerun_on_drop
    def settle(self, key: str, *, sent: bool, reason: str, by: str) -> bool:
        """A person decided an unknown outcome (e.g. after looking at the customer's chat).

        Sent: the message counts as delivered once and is never resent. Not sent: it failed and
        a later run may send it again. The reason and who decided are kept in ``error_message``.
        False when the message was not awaiting review (someone or a webhook settled it first).
        """
        verdict = "sent" if sent else "not sent"
        note = f"settled as {verdict} by {by}: {reason}"
        assignment = (
            "state = 'sent', error_code = 'settled', error_message = ?"
            if sent
            else "state = 'failed', retry = 1, error_code = 'settled', error_message = ?"
        )
        with self._store.transaction() as conn:
            changed = conn.execute(
                f"UPDATE outbox_messages SET {assignment}, updated_at = ? "  # noqa: S608 - fixed
                "WHERE key = ? AND state IN ('sending', 'unknown')",
                (note, self._stamp(), key),
            ).rowcount
        return changed > 0

    @rerun_on_drop
    def release(self, key: str) -> None:
        """Give up an ``intent`` that will not be sent after all (its items become free)."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM outbox_items WHERE message_key = ?", (key,))
            conn.execute("DELETE FROM outbox_messages WHERE key = ? AND state = 'intent'", (key,))

    # ------------------------------------------------------------------ subjects
    @rerun_on_drop
    def stop_subject(self, tenant_id: str, subject_id: str, reason: str) -> None:
        """Nothing more may be claimed for this subject (e.g. the invoice was paid)."""
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO outbox_stops (tenant_id, subject_id, reason, stopped_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT(tenant_id, subject_id) DO UPDATE SET reason = excluded.reason,
                       stopped_at = excluded.stopped_at""",
                (tenant_id, subject_id, reason, self._stamp()),
            )

    @rerun_on_drop
    def resume_subject(self, tenant_id: str, subject_id: str) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "DELETE FROM outbox_stops WHERE tenant_id = ? AND subject_id = ?",
                (tenant_id, subject_id),
            )

    # ------------------------------------------------------------------ helpers
    @rerun_on_drop
    def _transition(
        self,
        key: str,
        allowed: tuple[str, ...],
        assignment: str,
        args: tuple[Any, ...] = (),
        *,
        already: tuple[str, ...] = (),
    ) -> bool:
        """Move ``key`` from one of ``allowed``; True when moved. False, and nothing written,
        when it is in one of ``already`` (another writer recorded this outcome first); any
        other state is a bug of the caller's (``ValueError``)."""
        marks = ",".join("?" for _ in allowed)
        with self._store.transaction() as conn:
            changed = conn.execute(
                f"UPDATE outbox_messages SET {assignment}, updated_at = ? WHERE key = ? AND state IN ({marks})",  # noqa: S608 - fixed fragments
                (*args, self._stamp(), key, *allowed),
            ).rowcount
            if changed:
                return True
            row = conn.execute("SELECT state FROM outbox_messages WHERE key = ?", (key,)).fetchone()
            state = row["state"] if row else "absent"
            if state in already:
                return False
            raise ValueError(f"outbox message {key!r} is {state}, expected one of {allowed}")

    def _stamp(self) -> str:
        now: datetime = self._now()
        return now.astimezone(UTC).isoformat()


def _json(value: dict[str, Any] | None) -> str:
    return json.dumps(value or {}, sort_keys=True, default=str)
