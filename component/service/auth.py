"""API keys for the ``/v1`` routes: ``Authorization: Bearer <key>``, keys from XERO_WA_API_KEYS.

Keys are compared in constant time, and against every configured key (no early exit), so
neither the answer's timing nor its content tells how much of a guess was right. With no key
configured every ``/v1`` request is refused: an open action API would let anyone with network
access send WhatsApp messages and change Xero data.
"""

from __future__ import annotations

import hmac

from component.errors import XeroWaError

SCHEME = "bearer"


class Unauthorized(XeroWaError):
    """Missing or wrong API key (a service-only error: the CLI has no API keys)."""

    code = "unauthorized"
    exit_code = 2
    http_status = 401


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == SCHEME and token else None


def key_matches(token: str, keys: list[str]) -> bool:
    given = token.encode("utf-8")
    results = [hmac.compare_digest(given, key.encode("utf-8")) for key in keys]
    return any(results)


def check(header: str | None, keys: list[str]) -> None:
    """Raise ``Unauthorized`` unless the header carries one of ``keys``."""
    if not keys:
        raise Unauthorized("the API is disabled: no API keys are configured (set XERO_WA_API_KEYS)")
    token = bearer_token(header)
    if token is None:
        raise Unauthorized("missing API key: send Authorization: Bearer <key>")
    if not key_matches(token, keys):
        raise Unauthorized("invalid API key")
