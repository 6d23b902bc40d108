"""Encryption at rest for secret columns (tokens, client secrets, pending PKCE verifiers).

``XERO_WA_SECRET_KEY`` may be either

- a Fernet key (44 url-safe base64 characters, e.g. from ``Fernet.generate_key()``), used as is; or
- any other text, treated as a passphrase and stretched with scrypt (N=2**15, r=8, p=1) using a
  random 16-byte salt kept in the store's ``secret_meta`` table, so the same passphrase gives the
  same key for this store and a different key for every other store.

Without a key, secrets are stored as plain text and protected only by the file's 0600 mode.
Encrypted values carry the ``fernet:`` prefix, so a store may hold both kinds (rows written before
a key was set stay readable and are encrypted on their next write).
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import TYPE_CHECKING

from pydantic import SecretStr

from component import errors

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from component.storage.store import Store

PREFIX = "fernet:"
SALT_KEY = "kdf_salt"
SCRYPT_N = 2**15
KEY_VARIABLE = "XERO_WA_SECRET_KEY"


class Cipher:
    """Seals and opens secret column values; a cipher without a key passes text through."""

    def __init__(self, fernet: Fernet | None) -> None:
        self._fernet = fernet

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, text: str | None) -> str | None:
        """The value to store for ``text`` (encrypted when a key is configured)."""
        if text is None or self._fernet is None:
            return text
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, stored: str | None, what: str) -> str | None:
        """The clear text of a stored value; ``what`` names it in the error (never the value)."""
        if stored is None or not stored.startswith(PREFIX):
            return stored
        if self._fernet is None:
            raise errors.ConnectionError(
                f"{what} is encrypted and {KEY_VARIABLE} is not set",
                reconnect=f"set {KEY_VARIABLE} to the key (or passphrase) it was stored with",
            )
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise errors.ConnectionError(
                f"{what} cannot be decrypted: {KEY_VARIABLE} differs from the key it was stored with",
                reconnect=f"set {KEY_VARIABLE} to the original key, or connect again to replace it",
            ) from None

    def __repr__(self) -> str:
        return f"Cipher(encrypts={self.encrypts})"


PLAIN = Cipher(None)


def cipher_for(store: Store, secret: SecretStr | None) -> Cipher:
    """The cipher for ``store`` given the configured ``XERO_WA_SECRET_KEY`` (``None``: plain)."""
    if secret is None or not secret.get_secret_value().strip():
        return PLAIN
    from cryptography.fernet import Fernet  # only with a key: most commands never need it

    text = secret.get_secret_value().strip()
    key = _as_fernet_key(text) or _derive(text, _salt(store))
    return Cipher(Fernet(key))


def _as_fernet_key(text: str) -> bytes | None:
    """``text`` itself when it is a valid Fernet key (url-safe base64 of 32 bytes)."""
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return text.encode("ascii") if len(raw) == 32 and len(text) == 44 else None


def _derive(passphrase: str, salt: bytes) -> bytes:
    """A Fernet key stretched from a passphrase; scrypt makes guessing it expensive."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))


def _salt(store: Store) -> bytes:
    """The store's KDF salt, created once (the first process to need it wins the insert).
    Read first: a read-only store that has its salt never needs a write."""
    row = store.fetchone("SELECT value FROM secret_meta WHERE key = ?", (SALT_KEY,))
    if row is None:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO secret_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (SALT_KEY, base64.b64encode(os.urandom(16)).decode("ascii")),
            )
            row = conn.execute(
                "SELECT value FROM secret_meta WHERE key = ?", (SALT_KEY,)
            ).fetchone()
    return base64.b64decode(row["value"])
