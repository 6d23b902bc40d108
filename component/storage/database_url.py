"""What may be shown of a database URL: everything but its password.

Kept apart from the PostgreSQL backend so that every message about ``XERO_WA_DATABASE_URL``
(settings, the store's opening errors, doctor) can mask it without importing psycopg, which is
absent exactly when one of those messages says "pip install 'xero-wa[postgres]'".
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (in the authority and in ``?password=``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparsable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        user_info, host = netloc.rsplit("@", 1)
        user = user_info.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in user_info else f"{user}@{host}"
    query = "&".join(
        f"{key}=***" if key.lower() == "password" else f"{key}={value}" if sep else key
        for key, sep, value in (piece.partition("=") for piece in parts.query.split("&") if piece)
    )
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return f"{shown}?{query}" if query else shown


def password_of(url: str) -> str | None:
    """The password in ``url``, so it can be scrubbed from any message a driver writes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.password:
        return unquote(parts.password)
    for piece in parts.query.split("&"):
        key, _, value = piece.partition("=")
        if key.lower() == "password" and value:
            return unquote(value)
    return None
