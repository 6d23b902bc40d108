"""Owner passwords: argon2id hashes (argon2-cffi), rules for new passwords, constant-time checks.

A sign-in for a username that does not exist still verifies against a fixed dummy hash, so the
answer's timing does not tell which usernames exist.
"""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from component import errors

MIN_LENGTH = 10
MAX_LENGTH = 1024
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """argon2id with the library's current recommended parameters (RFC 9106 low-memory)."""
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("not-a-password-of-anyone")


def check_username(username: str) -> str:
    """The username as stored (lower case); InputError naming ``username`` when malformed."""
    if not USERNAME.match(username):
        raise errors.InputError.single(
            "username",
            "must be 1-64 characters: letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit",
        )
    return username.lower()


def check_new_password(password: str) -> str:
    """A new password must be long enough; its surrounding line break (from stdin) is dropped."""
    password = password.rstrip("\r\n")
    if len(password) < MIN_LENGTH:
        raise errors.InputError.single("password", f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise errors.InputError.single("password", f"must be at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing account costs the same time as a wrong one."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
