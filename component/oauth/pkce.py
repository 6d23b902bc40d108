"""PKCE (RFC 7636) and the OAuth ``state``: the two values that bind a callback to its request.

``state`` stops a forged callback (CSRF); the code verifier makes an intercepted authorisation
code useless to anyone but the process that started the flow. Both come from ``secrets``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """A 64-character verifier from the unreserved alphabet (RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(48)


def challenge(verifier: str) -> str:
    """The S256 code challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
