"""Authorisations that were started and await their callback (state → PKCE verifier, values).

Kept in the store rather than in memory so the callback may reach another process than the one
that started the flow (several service workers). Rows are keyed by a hash of the state, their
payload (client secret, verifier) is sealed by the cipher, and each is taken at most once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from component.storage.crypto import Cipher

if TYPE_CHECKING:
    from component.storage.store import Store


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


class PendingRepo:
    def __init__(self, store: Store, cipher: Cipher) -> None:
        self._store = store
        self._cipher = cipher

    def put(self, state: str, payload: dict[str, Any], now: datetime) -> None:
        sealed = self._cipher.seal(json.dumps(payload))
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO oauth_pending (state_hash, payload, created_at) VALUES (?, ?, ?)",
                (state_hash(state), sealed, now.isoformat()),
            )

    def take(self, state: str, now: datetime, max_age_seconds: float) -> dict[str, Any] | None:
        """Remove and return the pending authorisation for ``state``; None if unknown or stale.

        Stale rows of any state are purged on the way, so abandoned flows do not accumulate.
        """
        oldest = (now - timedelta(seconds=max_age_seconds)).isoformat()
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT payload, created_at FROM oauth_pending WHERE state_hash = ?",
                (state_hash(state),),
            ).fetchone()
            conn.execute("DELETE FROM oauth_pending WHERE state_hash = ?", (state_hash(state),))
            conn.execute("DELETE FROM oauth_pending WHERE created_at < ?", (oldest,))
        if row is None or row["created_at"] < oldest:
            return None
        text = self._cipher.open(row["payload"], "a pending authorisation")
        value: dict[str, Any] = json.loads(text or "{}")
        return value
