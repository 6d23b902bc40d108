"""The token lifecycle: one ``httpx.Auth`` that keeps a connection's access token valid.

``OAuthBearer`` asks its ``TokenKeeper`` for a token before each request, and once more (marking
the rejected token) when Xero answers 401, then replays the request. The keeper refreshes when
fewer than ``token_refresh_margin_seconds`` (default 60) remain, and makes refreshes single-flight:

- tasks of one process queue on an ``asyncio.Lock`` per connection (not on the database);
- processes queue on the connection's refresh mutex, then re-read the stored token set and
  refresh only if it is still stale, so N callers in M processes across one expiry cause one
  token request;
- the new refresh token is committed before the new access token is handed out;
- a refresh whose answer was never stored (crash, lost response) is retried with the refresh
  token it sent, which Xero still accepts for 30 minutes after rotating it;
- a refused grant (``invalid_grant``...) marks the connection ``needs_reauth``: every later call
  fails at once with a ConnectionError naming the command that reconnects it, without asking
  Xero again, so there is no retry storm.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncGenerator, Generator
from typing import Protocol

import httpx

from component import errors
from component.oauth.app import XeroApp
from component.oauth.backends import TokenBackend
from component.oauth.endpoint import GrantRefused, request_tokens
from component.oauth.token_set import TokenSet
from component.runtime import Runtime
from component.storage.tokens import TokenRecord

log = logging.getLogger("xero_wa.oauth")

#: Xero accepts a rotated-away refresh token for this long.
GRACE_SECONDS = 1800
OWNER = f"{socket.gethostname()}:{os.getpid()}"


class Grant(Protocol):
    """How a keeper gets a new token set: refresh-token grant or client-credentials grant."""

    def refresh_token_for(self, record: TokenRecord) -> str | None: ...

    async def obtain(self, runtime: Runtime, refresh_token: str | None, what: str) -> TokenSet: ...

    def explain_refusal(self, refused: GrantRefused, record: TokenRecord) -> str: ...


class RefreshTokenGrant:
    """``grant_type=refresh_token`` for authorization-code connections."""

    def __init__(self, app: XeroApp) -> None:
        self.app = app

    def refresh_token_for(self, record: TokenRecord) -> str | None:
        """The token to send: an interrupted refresh's token first (it is the one Xero knows)."""
        if record.inflight is not None and record.inflight.refresh_token:
            return record.inflight.refresh_token
        return record.refresh_token

    async def obtain(self, runtime: Runtime, refresh_token: str | None, what: str) -> TokenSet:
        if not refresh_token:
            raise GrantRefused("no_refresh_token", "no refresh token is stored", 0)
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await request_tokens(runtime, self.app, form, what)

    def explain_refusal(self, refused: GrantRefused, record: TokenRecord) -> str:
        if refused.error == "no_refresh_token":
            return "no refresh token is stored (was offline_access among the scopes?)"
        if refused.error == "invalid_grant":
            text = (
                "Xero refused its refresh token (invalid_grant): it expired after 60 days unused, "
                "was revoked when the app was disconnected, or was already used by another copy "
                "of this connection"
            )
            inflight = record.inflight
            if inflight is not None:
                text += (
                    f"; a refresh started at {inflight.started_at.isoformat()} never stored its "
                    "answer, and Xero's 30-minute grace for the previous token may have passed"
                )
            return text
        return describe_refusal(refused)


class TokenKeeper:
    """Single-flight owner of one connection's tokens in this process."""

    def __init__(
        self, runtime: Runtime, backend: TokenBackend, grant: Grant, reconnect: str
    ) -> None:
        self._runtime = runtime
        self._backend = backend
        self._grant = grant
        self._reconnect = reconnect
        self._lock = asyncio.Lock()
        self._cached: TokenSet | None = None

    @property
    def label(self) -> str:
        return self._backend.label

    async def access_token(self, rejected: str | None = None) -> str:
        """A valid access token; ``rejected`` is one Xero just answered 401 to."""
        cached = self._cached
        if cached is not None and not self._stale(cached, rejected):
            return cached.access_token
        async with self._lock:
            cached = self._cached
            if cached is not None and not self._stale(cached, rejected):
                return cached.access_token
            record = await self.record()
            tokens = record.tokens
            if self._must_renew(record, rejected):
                async with self._backend.mutex():
                    record = await self.record()
                    tokens = record.tokens
                    if self._must_renew(record, rejected):
                        tokens = await self._renew(record)
            assert tokens is not None  # _must_renew is True without tokens
            self._cached = tokens
            return tokens.access_token

    def _must_renew(self, record: TokenRecord, rejected: str | None) -> bool:
        """No usable token, or a refresh is marked in flight.

        Under the mutex an in-flight mark means its owner died (or lost the answer) before
        storing Xero's reply: Xero has probably rotated the refresh token already and accepts
        the old one only for 30 minutes, so it is finished now, however young the access token
        looks; waiting for the access token to expire could outlast the grace (issue 10 item 11).
        """
        tokens = record.tokens
        if tokens is None or self._stale(tokens, rejected):
            return True
        return record.inflight is not None and self._grant.refresh_token_for(record) is not None

    async def record(self) -> TokenRecord:
        """The stored record; raises at once when the connection cannot be used."""
        record = await self._backend.load()
        if record is None:
            raise errors.ConnectionError(
                f"{self.label} has no stored tokens", reconnect=self._reconnect
            )
        if record.needs_reauth:
            self._cached = None
            raise errors.ConnectionError(
                f"{self.label} needs to be authorised again: {record.status_reason}",
                reconnect=self._reconnect,
            )
        return record

    def _stale(self, tokens: TokenSet, rejected: str | None) -> bool:
        if rejected is not None and tokens.access_token == rejected:
            return True
        margin = self._runtime.settings.token_refresh_margin_seconds
        return tokens.expires_within(self._runtime.clock.now(), margin)

    async def _renew(self, record: TokenRecord) -> TokenSet:
        """Ask Xero for new tokens and store them (we hold both locks here)."""
        used = self._grant.refresh_token_for(record)
        if record.inflight is not None and used is not None:
            log.warning(
                "%s: a token refresh started at %s by %s never stored its answer; retrying with "
                "the refresh token it sent (Xero accepts it for 30 minutes after rotating it)",
                self.label,
                record.inflight.started_at.isoformat(),
                record.inflight.owner,
            )
        clock = self._runtime.clock
        generation = await self._backend.begin(used, OWNER, clock.now())
        try:
            tokens = await self._grant.obtain(
                self._runtime, used, f"refreshing the tokens of {self.label}"
            )
        except GrantRefused as refused:
            reason = self._grant.explain_refusal(refused, record)
            await self._backend.refuse(reason, clock.now())
            self._cached = None
            log.warning("%s needs to be authorised again (%s)", self.label, refused.error)
            raise errors.ConnectionError(
                f"{self.label} needs to be authorised again: {reason}", reconnect=self._reconnect
            ) from None
        saved = await self._backend.finish(tokens, used, generation, clock.now())
        log.info("%s: new access token stored, valid until %s", self.label, saved.expires_at)
        return saved


class OAuthBearer(httpx.Auth):
    """Bearer auth that refreshes before expiry and once on a 401, then replays the request."""

    requires_request_body = True

    def __init__(self, keeper: TokenKeeper) -> None:
        self.keeper = keeper

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Only reached through a synchronous client, which cannot await the token store."""
        raise errors.InternalError(
            "OAuth connections refresh asynchronously: use httpx.AsyncClient"
        )

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.keeper.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        log.info("%s: Xero answered 401; refreshing once and replaying", self.keeper.label)
        token = await self.keeper.access_token(rejected=token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def __repr__(self) -> str:
        return f"OAuthBearer({self.keeper.label})"


def describe_refusal(refused: GrantRefused) -> str:
    if refused.error == "invalid_client":
        return (
            "Xero rejected the client id or secret (invalid_client): the secret may have been "
            "regenerated or the app deleted in Xero's developer portal"
        )
    return f"Xero refused the token request ({refused.explain()})"
