"""What went wrong talking to PostgreSQL, in words a person can act on.

libpq reports connection failures as text (psycopg gives no SQLSTATE before a session exists), so
the four failures a deployment meets first are recognised by their wording: the server cannot be
reached, it refused the credentials, the database does not exist, the user lacks a privilege.
Every message names the URL with its password masked, and never repeats the password even if a
driver message contained it.
"""

from __future__ import annotations

from component.storage.database import StoreError

#: SQLSTATE classes and codes meaning the connection itself is gone.
_DISCONNECT_STATES = ("08", "57P01", "57P02", "57P03")

_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "failed to resolve host",
    "could not translate host name",
    "name or service not known",
    "network is unreachable",
    "no route to host",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "server closed the connection unexpectedly",
    "connection timed out",
)
_CREDENTIALS = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    'role "',
    "no pg_hba.conf entry",
    "pg_hba.conf rejects connection",
)


class DatabaseError(StoreError):
    """PostgreSQL cannot be used: the message names it (password masked) and the fix; ``kind``
    says which failure (``unreachable``, ``bad_credentials``, ``missing_database``,
    ``missing_privileges``...) and ``retryable`` whether the transaction certainly did not
    commit, so running it again is safe."""

    def __init__(self, message: str, *, fix: str, kind: str, retryable: bool = False) -> None:
        text = f"{message}; {fix}" if fix else message
        super().__init__(text, details={"reason": kind})
        self.kind = kind
        self.fix = fix
        self.retryable = retryable


def is_disconnect(exc: BaseException) -> bool:
    """True when the connection is gone (so the server rolled the transaction back)."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return False
    state = getattr(exc, "sqlstate", None) or ""
    if state.startswith(_DISCONNECT_STATES):
        return True
    if isinstance(exc, psycopg.OperationalError):
        conn = getattr(exc, "pgconn", None)
        if conn is None or getattr(conn, "status", 0) != 0:  # 0: CONNECTION_OK
            return True
        text = str(exc).lower()
        return "server closed the connection" in text or "terminating connection" in text
    return False


def explain(exc: BaseException, location: str, secret: str | None) -> DatabaseError:
    """The :class:`DatabaseError` for a driver failure at ``location`` (an already masked URL)."""
    text = _scrub(str(exc).strip(), secret)
    lowered = text.lower()
    state = getattr(exc, "sqlstate", None) or ""
    detail = _last_line(text)
    if ('database "' in lowered and "does not exist" in lowered) or state == "3D000":
        return DatabaseError(
            f"the database named in XERO_WA_DATABASE_URL ({location}) does not exist ({detail})",
            fix="create it (createdb, or CREATE DATABASE) or correct the URL",
            kind="missing_database",
        )
    if state.startswith("28") or any(mark in lowered for mark in _CREDENTIALS):
        return DatabaseError(
            f"PostgreSQL at {location} refused the credentials in XERO_WA_DATABASE_URL ({detail})",
            fix="correct the user and password in the URL, or the server's pg_hba.conf",
            kind="bad_credentials",
        )
    if state in ("42501", "3F000") or "permission denied" in lowered or "must be owner" in lowered:
        return DatabaseError(
            f"the user in XERO_WA_DATABASE_URL ({location}) lacks a privilege ({detail})",
            fix="grant it the use of the database and its schema (xero-wa creates its own tables), "
            "e.g. GRANT USAGE, CREATE ON SCHEMA public TO that user, or use the owner's account",
            kind="missing_privileges",
        )
    if is_disconnect(exc) or any(mark in lowered for mark in _UNREACHABLE):
        return DatabaseError(
            f"cannot reach PostgreSQL at {location} ({detail})",
            fix="check that the server runs and that the host and port in XERO_WA_DATABASE_URL "
            "are right",
            kind="unreachable",
        )
    if isinstance(exc, ValueError) or ("invalid" in lowered and "dsn" in lowered):
        return DatabaseError(
            f"XERO_WA_DATABASE_URL is not a usable PostgreSQL URL ({location}: {detail})",
            fix="write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE",
            kind="bad_url",
        )
    return DatabaseError(
        f"PostgreSQL at {location} failed: {detail}",
        fix="",
        kind="database_error",
    )


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _last_line(text: str) -> str:
    """The driver's reason without libpq's 'connection to server at … failed:' preamble."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else text
    reason = first.rsplit("failed: ", 1)[-1]
    reason = reason.removeprefix("FATAL:").strip()
    return reason or first
