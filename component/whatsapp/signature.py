"""How a WhatsApp webhook delivery proves where it came from: one scheme per provider profile.

- ``meta``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`` (Meta).
- ``hmac-sha256``: the hex HMAC-SHA256 of the raw body with the webhook secret, in a header the
  provider names (360dialog: ``x-360dialog-signature``, signed with the partner's platform
  secret); a ``sha256=`` prefix is accepted too.
- ``header-secret``: a header the business chose when registering the webhook carries the shared
  secret itself (360dialog's custom webhook headers, e.g. ``X-Webhook-Secret: <secret>``). Weaker
  than a signature (the body is not covered), but the only proof some providers offer; use it
  over HTTPS only.

Every comparison is constant-time; a missing secret verifies nothing (the delivery gets 401).
The secret is the connection's ``appSecret`` (``WHATSAPP_APP_SECRET``) in every scheme.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from component import errors

Scheme = Literal["meta", "hmac-sha256", "header-secret"]
SCHEMES: tuple[Scheme, ...] = ("meta", "hmac-sha256", "header-secret")
META_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


@dataclass(frozen=True)
class WebhookSignature:
    """One way a delivery may be signed, with its secret (never shown)."""

    secret: str = field(repr=False)
    scheme: Scheme = "meta"
    header: str = META_HEADER

    def sign(self, body: bytes) -> dict[str, str]:
        """The header a sender using this scheme adds to ``body`` (tests, the sandbox's twin)."""
        if self.scheme == "header-secret":
            return {self.header: self.secret}
        digest = _hex(self.secret, body)
        return {self.header: f"{_PREFIX}{digest}" if self.scheme == "meta" else digest}

    def verify(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether ``headers`` (names in any case) prove ``body`` with this scheme."""
        if not self.secret:
            return False
        given = _header(headers, self.header)
        if given is None:
            return False
        try:
            given_bytes = given.strip().encode("ascii")
        except UnicodeEncodeError:
            return False
        if self.scheme == "header-secret":
            return hmac.compare_digest(self.secret.encode("utf-8"), given_bytes)
        digest = _hex(self.secret, body).encode("ascii")
        lowered = given_bytes.lower()
        if self.scheme == "meta":
            return hmac.compare_digest(_PREFIX.encode("ascii") + digest, lowered)
        if lowered.startswith(_PREFIX.encode("ascii")):
            lowered = lowered[len(_PREFIX) :]
        return hmac.compare_digest(digest, lowered)


def signature_of(values: Mapping[str, Any], secret: str | None = None) -> WebhookSignature:
    """The scheme a connection's values (or the service settings) describe.

    ``webhookSignature`` (default ``meta``) and ``webhookHeader`` (required for the other two
    schemes); ``secret`` overrides the values' ``appSecret``.
    """
    scheme = str(values.get("webhookSignature") or "meta")
    if scheme not in SCHEMES:
        raise errors.InputError.single(
            "webhookSignature", f"is {scheme!r}; one of {', '.join(SCHEMES)}"
        )
    key = str(secret if secret is not None else values.get("appSecret") or "").strip()
    if scheme == "meta":
        return WebhookSignature(key)
    header = str(values.get("webhookHeader") or "").strip()
    if not header:
        raise errors.InputError.single(
            "webhookHeader",
            f"is required with webhookSignature {scheme} (360dialog: x-360dialog-signature)",
        )
    return WebhookSignature(key, scheme, header)


def verified(
    signatures: Iterable[WebhookSignature], body: bytes, headers: Mapping[str, str]
) -> bool:
    """Whether any configured scheme accepts the delivery (several numbers, several secrets)."""
    return any(s.verify(body, headers) for s in signatures)


def _hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value
