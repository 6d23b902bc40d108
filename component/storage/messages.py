"""WhatsApp messages we sent, and the statuses Meta reported for them.

A send only means "accepted"; delivery (or failure, e.g. 131026 not on WhatsApp) arrives later
by the status webhook, possibly twice, possibly out of order (``read`` without ``delivered``),
for up to 7 days. So statuses are stored one row per (wamid, status): a duplicate delivery is
recognised and reported (``record_status`` returns False) instead of being applied twice, and
the "current" status is the most advanced one, not the last to arrive.

``biz_opaque_callback_data`` travels with each status; it is what ties a status back to the
reminder (or other business object) that caused the send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from component.storage.database import Row
    from component.storage.store import Store

#: Later statuses outrank earlier ones; ``failed`` is final. Unknown statuses rank lowest.
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "played": 4, "failed": 5}


@dataclass(frozen=True)
class MessageStatus:
    wamid: str
    status: str
    timestamp: str
    recipient: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    callback_data: str | None = None
    received_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "timestamp": self.timestamp}
        if self.recipient:
            out["recipientId"] = self.recipient
        if self.errors:
            out["errors"] = self.errors
        if self.callback_data is not None:
            out["callbackData"] = self.callback_data
        return out


@dataclass(frozen=True)
class SentMessage:
    wamid: str
    to: str
    kind: str
    template: str | None
    language: str | None
    callback_data: str | None
    sent_at: str

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"to": self.to, "type": self.kind, "sentAt": self.sent_at}
        if self.template:
            out["template"] = self.template
            out["language"] = self.language
        if self.callback_data is not None:
            out["callbackData"] = self.callback_data
        return out


class MessagesRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ sent
    def record_sent(
        self,
        wamid: str,
        to: str,
        *,
        kind: str = "template",
        template: str | None = None,
        language: str | None = None,
        callback_data: str | None = None,
        sent_at: datetime,
    ) -> None:
        """Remember a message Meta accepted (idempotent on ``wamid``)."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO whatsapp_messages (wamid, recipient, kind, template, "
                "language, callback_data, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (wamid) DO NOTHING",
                (wamid, to, kind, template, language, callback_data, _iso(sent_at)),
            )

    def sent(self, wamid: str) -> SentMessage | None:
        row = self._store.fetchone("SELECT * FROM whatsapp_messages WHERE wamid = ?", (wamid,))
        return None if row is None else _sent(row)

    def sent_with_callback(self, callback_data: str) -> list[SentMessage]:
        """Every message sent with this callback data (e.g. one reminder's sends), oldest first."""
        rows = self._store.fetchall(
            "SELECT * FROM whatsapp_messages WHERE callback_data = ? ORDER BY sent_at, wamid",
            (callback_data,),
        )
        return [_sent(row) for row in rows]

    # ------------------------------------------------------------------ statuses
    def record_status(
        self,
        wamid: str,
        status: str,
        timestamp: datetime | int | float | str,
        recipient: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        callback_data: str | None = None,
        *,
        received_at: datetime | None = None,
    ) -> bool:
        """Store one status; False when (wamid, status) was already recorded (a duplicate)."""
        with self._store.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO whatsapp_statuses (wamid, status, timestamp, recipient, "
                "errors_json, callback_data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (wamid, status) DO NOTHING",
                (
                    wamid,
                    status,
                    _iso(timestamp),
                    recipient,
                    json.dumps(errors) if errors else None,
                    callback_data,
                    _iso(received_at) if received_at is not None else None,
                ),
            )
            return cursor.rowcount > 0

    def statuses(self, wamid: str) -> list[MessageStatus]:
        """Every status of ``wamid``, in the order they happened (ties: by progression)."""
        rows = self._store.fetchall("SELECT * FROM whatsapp_statuses WHERE wamid = ?", (wamid,))
        found = [_status(row) for row in rows]
        return sorted(found, key=lambda s: (s.timestamp, STATUS_RANK.get(s.status, 0)))

    def latest(self, wamid: str) -> MessageStatus | None:
        """The most advanced status (failed > read > delivered > sent), whatever arrived last."""
        found = self.statuses(wamid)
        if not found:
            return None
        return max(found, key=lambda s: (STATUS_RANK.get(s.status, 0), s.timestamp))


def _sent(row: Row) -> SentMessage:
    return SentMessage(
        wamid=row["wamid"],
        to=row["recipient"],
        kind=row["kind"],
        template=row["template"],
        language=row["language"],
        callback_data=row["callback_data"],
        sent_at=row["sent_at"],
    )


def _status(row: Row) -> MessageStatus:
    return MessageStatus(
        wamid=row["wamid"],
        status=row["status"],
        timestamp=row["timestamp"],
        recipient=row["recipient"],
        errors=json.loads(row["errors_json"]) if row["errors_json"] else [],
        callback_data=row["callback_data"],
        received_at=row["received_at"],
    )


def _iso(value: datetime | int | float | str) -> str:
    """A UTC ISO-8601 text; Meta's webhook timestamps are Unix seconds (as text)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        moment = datetime.fromtimestamp(float(value), UTC)
    else:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
