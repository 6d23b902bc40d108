"""Web app sessions, failed sign-ins and the cookie signing key, shared by every process.

A session row is keyed by the sha256 of its id: the browser holds the id (in a signed cookie),
the store only its hash, so a copy of the database signs nobody in. Each session carries its
CSRF token. Sessions slide: every use moves ``expires_at`` forward (written at most once a
minute), and signing out or changing the password deletes the row, so a stolen cookie dies too.

Failed sign-ins are counted per key (``user:NAME`` and ``ip:ADDRESS``) in a fixed window; the
web app refuses attempts while a key is over its limit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from component.storage.events import parse_stamp, stamp

if TYPE_CHECKING:
    from component.storage.store import Store

SIGNING_KEY_NAME = "web_session_signing_key"
#: A session's last use is written at most this often (a page view is not a write).
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class WebSession:
    username: str
    csrf_token: str
    expires_at: datetime
    last_seen_at: datetime

    def __repr__(self) -> str:
        return f"WebSession({self.username!r}, expires {self.expires_at.isoformat()})"


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class WebSessionsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ sessions
    def start(self, username: str, now: datetime, lifetime: timedelta) -> tuple[str, WebSession]:
        """A new session for ``username``: (the id for the cookie, the session)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO web_sessions
                   (id_hash, username, csrf_token, created_at, last_seen_at, expires_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    id_hash(session_id),
                    username,
                    csrf,
                    stamp(now),
                    stamp(now),
                    stamp(now + lifetime),
                ),
            )
        return session_id, WebSession(username, csrf, now + lifetime, now)

    def find(self, session_id: str, now: datetime, lifetime: timedelta) -> WebSession | None:
        """The live session with this id (its expiry slid forward), or None."""
        key = id_hash(session_id)
        row = self._store.fetchone(
            """SELECT username, csrf_token, last_seen_at, expires_at
               FROM web_sessions WHERE id_hash = ?""",
            (key,),
        )
        if row is None:
            return None
        found = WebSession(
            row["username"],
            row["csrf_token"],
            parse_stamp(row["expires_at"]),
            parse_stamp(row["last_seen_at"]),
        )
        if found.expires_at <= now:
            self.end(session_id)
            return None
        if now - found.last_seen_at >= TOUCH_EVERY:
            with self._store.transaction() as conn:
                conn.execute(
                    "UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
                    (stamp(now), stamp(now + lifetime), key),
                )
            found = WebSession(found.username, found.csrf_token, now + lifetime, now)
        return found

    def end(self, session_id: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash(session_id),))

    def purge_expired(self, now: datetime) -> int:
        with self._store.transaction() as conn:
            cursor = conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (stamp(now),))
            return cursor.rowcount

    # ------------------------------------------------------------------ failed sign-ins
    def failures(self, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
        """(failures in the current window, when the window ends); (0, None) when none."""
        row = self._store.fetchone(
            "SELECT failures, window_start FROM web_login_failures WHERE key = ?", (key,)
        )
        if row is None:
            return 0, None
        ends = parse_stamp(row["window_start"]) + window
        return (int(row["failures"]), ends) if ends > now else (0, None)

    def record_failure(self, key: str, now: datetime, window: timedelta) -> int:
        """Count one failure (a new window when the old one is over); returns the count."""
        window_floor = stamp(now - window)
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO web_login_failures (key, failures, window_start) VALUES (?, 1, ?)
                   ON CONFLICT (key) DO UPDATE SET
                     failures = CASE WHEN web_login_failures.window_start <= ? THEN 1
                                     ELSE web_login_failures.failures + 1 END,
                     window_start = CASE WHEN web_login_failures.window_start <= ?
                                         THEN excluded.window_start
                                         ELSE web_login_failures.window_start END""",
                (key, stamp(now), window_floor, window_floor),
            )
            row = conn.execute(
                "SELECT failures FROM web_login_failures WHERE key = ?", (key,)
            ).fetchone()
        return int(row["failures"])

    def clear_failures(self, key: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM web_login_failures WHERE key = ?", (key,))

    # ------------------------------------------------------------------ cookie signing key
    def signing_key(self) -> str:
        """The key that signs session cookies: made once, then shared by every process."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO secret_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (SIGNING_KEY_NAME, secrets.token_urlsafe(48)),
            )
            row = conn.execute(
                "SELECT value FROM secret_meta WHERE key = ?", (SIGNING_KEY_NAME,)
            ).fetchone()
        return str(row["value"])
