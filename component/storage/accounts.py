"""Owner accounts of the web app: a username and an argon2 hash, nothing else.

Created with ``xero-wa admin create USERNAME --password-stdin``. The hash is computed by the
caller (``component.web.passwords``) so this module stays free of crypto choices; the store only
keeps the PHC string argon2 produced. Usernames are compared case-insensitively by storing them
in lower case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from component.storage.events import stamp

if TYPE_CHECKING:
    from datetime import datetime

    from component.storage.store import Store


@dataclass(frozen=True)
class Account:
    username: str
    password_hash: str
    created_at: str
    updated_at: str

    def __repr__(self) -> str:  # the hash is not a secret, but it is nothing to print either
        return f"Account({self.username!r})"


class AccountsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, username: str, password_hash: str, now: datetime) -> bool:
        """Add an account; False when the username is taken (nothing is changed then)."""
        when = stamp(now)
        with self._store.transaction() as conn:
            cursor = conn.execute(
                """INSERT INTO owner_accounts (username, password_hash, created_at, updated_at)
                   VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING""",
                (username.lower(), password_hash, when, when),
            )
            return cursor.rowcount > 0

    def set_password(self, username: str, password_hash: str, now: datetime) -> bool:
        """Replace the hash and end every session of the account; False when it does not exist."""
        with self._store.transaction() as conn:
            cursor = conn.execute(
                "UPDATE owner_accounts SET password_hash = ?, updated_at = ? WHERE username = ?",
                (password_hash, stamp(now), username.lower()),
            )
            conn.execute("DELETE FROM web_sessions WHERE username = ?", (username.lower(),))
            return cursor.rowcount > 0

    def get(self, username: str) -> Account | None:
        row = self._store.fetchone(
            """SELECT username, password_hash, created_at, updated_at
               FROM owner_accounts WHERE username = ?""",
            (username.lower(),),
        )
        if row is None:
            return None
        return Account(row["username"], row["password_hash"], row["created_at"], row["updated_at"])

    def usernames(self) -> list[str]:
        cursor = self._store.fetchall("SELECT username FROM owner_accounts ORDER BY username")
        return [row["username"] for row in cursor]

    def delete(self, username: str) -> bool:
        """Remove the account (its sessions go with it)."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM web_sessions WHERE username = ?", (username.lower(),))
            cursor = conn.execute(
                "DELETE FROM owner_accounts WHERE username = ?", (username.lower(),)
            )
            return cursor.rowcount > 0
