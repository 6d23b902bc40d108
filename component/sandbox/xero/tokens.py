"""Token and consent bookkeeping of the emulated Xero identity service (no HTTP here).

The model mirrors what clients observe:

- a *link* is one user's authorisation of one app: the tenants (connections) it may reach;
  re-consenting adds tenants and a new ``authEventId``; ``DELETE /connections/{id}`` or revocation
  removes them;
- an access token lives ``access_token_seconds`` (1800) and is a JWT-shaped string (clients decode
  ``exp`` from it), signed with a sandbox key;
- refresh tokens rotate: using one returns a new one and the used one keeps working for
  ``refresh_grace_seconds`` (for a client that lost the response), then ``invalid_grant``; a refresh
  token never used for ``refresh_token_days`` expires;
- a client-credentials token is bound to one tenant and has no refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig, XeroSandboxConfig

DEMO_USER = {
    "sub": "sandbox-user",
    "xero_userid": "3f8b2f1e-6c0a-4b8e-9a57-5a8d0c2e7b10",
    "email": "demo.user@example.com",
    "given_name": "Demo",
    "family_name": "User",
}


@dataclass
class Connection:
    id: str
    tenant_id: str
    auth_event_id: str
    created: datetime
    updated: datetime


@dataclass
class Link:
    """One (user, app) authorisation: the organisations it reaches."""

    user: str
    client_id: str
    connections: dict[str, Connection] = field(default_factory=dict)  # by tenant id


@dataclass
class AccessToken:
    token: str
    client_id: str
    scopes: frozenset[str]
    expires: datetime
    link: Link | None  # None for client-credentials tokens
    bound_tenant: str | None = None

    def tenant_ids(self) -> list[str]:
        if self.bound_tenant is not None:
            return [self.bound_tenant]
        return list(self.link.connections) if self.link else []


@dataclass
class RefreshToken:
    token: str
    link: Link
    scopes: frozenset[str]
    issued: datetime
    public: bool
    superseded: datetime | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires: datetime
    challenge: str
    method: str
    link: Link
    used: bool = False


class TokenError(Exception):
    """An OAuth error code (``invalid_grant``, ...) for the token endpoint to answer with."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.description = description


class TokenBook:
    def __init__(self, clock: SandboxClock, config: SandboxConfig) -> None:
        self.clock = clock
        self.config = config
        self._signing_key = secrets.token_bytes(32)
        self.links: dict[tuple[str, str], Link] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.grants: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()

    @property
    def settings(self) -> XeroSandboxConfig:
        return self.config.xero

    # -- consent -----------------------------------------------------------------------------

    def consent(self, client_id: str, tenant_ids: list[str], user: str | None = None) -> Link:
        """``user`` (default: the demo user) approves the app for ``tenant_ids`` (one new auth
        event). Each user has their own link: two people connecting the same app reach the
        organisations each of them ticked, as at Xero."""
        sub = DEMO_USER["sub"] if user in (None, "", DEMO_USER["email"]) else f"user:{user}"
        link = self.links.setdefault((sub, client_id), Link(sub, client_id))
        now = self.clock.now()
        event = str(uuid.uuid4())
        for tenant_id in tenant_ids:
            existing = link.connections.get(tenant_id)
            if existing is None:
                link.connections[tenant_id] = Connection(
                    str(uuid.uuid4()), tenant_id, event, now, now
                )
            else:
                existing.auth_event_id, existing.updated = event, now
        return link

    def issue_code(
        self, link: Link, redirect_uri: str, scopes: frozenset[str], challenge: str, method: str
    ) -> str:
        code = secrets.token_hex(32)
        expires = self.clock.now() + timedelta(seconds=self.settings.code_seconds)
        self.codes[code] = AuthCode(
            code, link.client_id, redirect_uri, scopes, expires, challenge, method, link
        )
        return code

    # -- grants ------------------------------------------------------------------------------

    def exchange_code(
        self, client_id: str, code: str, redirect_uri: str, verifier: str, authenticated: bool
    ) -> dict[str, Any]:
        grant = self.codes.get(code)
        now = self.clock.now()
        if grant is None or grant.used or grant.expires <= now or grant.client_id != client_id:
            raise TokenError("invalid_grant")
        if grant.redirect_uri != redirect_uri:
            raise TokenError("invalid_grant", "redirect_uri does not match")
        if grant.challenge:
            if not 43 <= len(verifier) <= 128 or not _pkce_ok(
                verifier, grant.challenge, grant.method
            ):
                raise TokenError("invalid_grant", "code_verifier is invalid")
        elif not authenticated:
            raise TokenError("invalid_client")
        grant.used = True
        self.grants["authorization_code"] += 1
        return self._token_set(grant.link, grant.scopes, public=not authenticated)

    def use_refresh(self, client_id: str, token: str, authenticated: bool) -> dict[str, Any]:
        record = self.refresh.get(token)
        now = self.clock.now()
        if record is None or record.revoked or record.link.client_id != client_id:
            raise TokenError("invalid_grant")
        if not authenticated and not record.public:
            raise TokenError("invalid_client")
        if now - record.issued > timedelta(days=self.settings.refresh_token_days):
            raise TokenError("invalid_grant")
        grace = timedelta(seconds=self.settings.refresh_grace_seconds)
        if record.superseded is not None and now - record.superseded > grace:
            raise TokenError("invalid_grant")
        if not record.link.connections:
            raise TokenError("invalid_grant")
        if record.superseded is None:
            record.superseded = now
        self.grants["refresh_token"] += 1
        return self._token_set(record.link, record.scopes, public=record.public)

    def client_credentials(
        self, client_id: str, scopes: frozenset[str], tenant_id: str
    ) -> dict[str, Any]:
        expires = self.clock.now() + timedelta(seconds=self.settings.access_token_seconds)
        token = self._jwt(client_id, scopes, expires, None)
        self.access[token] = AccessToken(token, client_id, scopes, expires, None, tenant_id)
        self.grants["client_credentials"] += 1
        return {
            "access_token": token,
            "expires_in": self.settings.access_token_seconds,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
        }

    def revoke(self, client_id: str, token: str) -> None:
        """Revoke a refresh token: it and its siblings die, and the user's connections go."""
        record = self.refresh.get(token)
        if record is None or record.link.client_id != client_id:
            return
        link = record.link
        for other in self.refresh.values():
            if other.link is link:
                other.revoked = True
        link.connections.clear()
        self.grants["revocation"] += 1

    def mint(self, client_id: str, tenant_ids: list[str], scopes: frozenset[str]) -> dict[str, Any]:
        """Consent and issue a token set without the redirect dance (demo connections, CLI)."""
        link = self.consent(client_id, tenant_ids)
        self.grants["sandbox_mint"] += 1
        return self._token_set(link, scopes, public=False)

    # -- verification ------------------------------------------------------------------------

    def lookup(self, token: str) -> AccessToken | None:
        return self.access.get(token)

    def expired(self, token: AccessToken) -> bool:
        return token.expires <= self.clock.now()

    # -- internals ---------------------------------------------------------------------------

    def _token_set(self, link: Link, scopes: frozenset[str], *, public: bool) -> dict[str, Any]:
        now = self.clock.now()
        expires = now + timedelta(seconds=self.settings.access_token_seconds)
        access = self._jwt(link.client_id, scopes, expires, link)
        self.access[access] = AccessToken(access, link.client_id, scopes, expires, link)
        body: dict[str, Any] = {}
        if "openid" in scopes:
            body["id_token"] = self._id_token(link.client_id, expires)
        body.update(
            {
                "access_token": access,
                "expires_in": self.settings.access_token_seconds,
                "token_type": "Bearer",
            }
        )
        if "offline_access" in scopes:
            refresh = secrets.token_hex(32)
            self.refresh[refresh] = RefreshToken(refresh, link, scopes, now, public)
            body["refresh_token"] = refresh
        body["scope"] = " ".join(sorted(scopes))
        return body

    def _sign(self, payload: dict[str, Any]) -> str:
        header = _b64({"alg": "HS256", "typ": "JWT", "kid": "sandbox"})
        body = _b64(payload)
        signature = hmac.new(self._signing_key, f"{header}.{body}".encode(), hashlib.sha256)
        tail = base64.urlsafe_b64encode(signature.digest()).rstrip(b"=").decode()
        return f"{header}.{body}.{tail}"

    def _jwt(
        self, client_id: str, scopes: frozenset[str], expires: datetime, link: Link | None
    ) -> str:
        now = self.clock.now()
        payload: dict[str, Any] = {
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources",
            "client_id": client_id,
            "auth_time": int(now.timestamp()),
            "jti": uuid.uuid4().hex,
            "scope": sorted(scopes),
        }
        if link is not None:
            event = next(iter(link.connections.values())).auth_event_id if link.connections else ""
            payload.update(
                {
                    "sub": link.user,
                    "xero_userid": _user_id(link.user),
                    "authentication_event_id": event,
                }
            )
        return self._sign(payload)

    def _id_token(self, client_id: str, expires: datetime) -> str:
        now = self.clock.now()
        payload = {
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": "https://identity.xero.com",
            "aud": client_id,
            "iat": int(now.timestamp()),
            **DEMO_USER,
            "preferred_username": DEMO_USER["email"],
        }
        return self._sign(payload)


def _user_id(sub: str) -> str:
    """The demo user's published id; a stable made-up one for any other sandbox user."""
    if sub == DEMO_USER["sub"]:
        return DEMO_USER["xero_userid"]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{sub}"))


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if method == "plain":
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)
