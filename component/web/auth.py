"""Signing in and out: password check, rate limit, session cookie.

A failed sign-in counts against the username and the client address; while either is over its
limit (``XERO_WA_LOGIN_MAX_FAILURES`` per username, four times that per address, per
``XERO_WA_LOGIN_WINDOW_MINUTES``) attempts are refused before any password is checked, so
guessing costs the guesser time, not us CPU. Every answer to a bad sign-in is the same sentence
whether the username exists or not.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature
from starlette.requests import Request

from component.storage.web_sessions import WebSession
from component.web import passwords, security
from component.web.state import WebState

WRONG = "The username or password is not right."
PER_ADDRESS_FACTOR = 4


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``message`` is safe to show, ``status`` is 401 or 429."""

    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    session: WebSession


async def current_session(web: WebState, request: Request) -> tuple[str, WebSession] | None:
    """(session id, session) of the request's cookie when it is signed by us and still live."""
    raw = request.cookies.get(security.SESSION_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        session_id = web.signer.unsign(raw).decode("utf-8")
    except (BadSignature, UnicodeDecodeError):
        return None
    repo = web.runtime.store.web_sessions
    found = await asyncio.to_thread(
        repo.find, session_id, web.runtime.clock.now(), web.session_lifetime
    )
    return (session_id, found) if found is not None else None


async def sign_in(web: WebState, username: str, password: str, address: str) -> SignedIn:
    """Check the password (rate-limited) and start a session; SignInRefused otherwise."""
    settings = web.runtime.settings
    window = timedelta(minutes=settings.xero_wa_login_window_minutes)
    now = web.runtime.clock.now()
    repo = web.runtime.store.web_sessions
    name = username.strip().lower()[:128]
    limits = (
        (f"user:{name}", settings.xero_wa_login_max_failures),
        (f"ip:{address}", settings.xero_wa_login_max_failures * PER_ADDRESS_FACTOR),
    )
    for key, limit in limits:
        failures, ends = await asyncio.to_thread(repo.failures, key, now, window)
        if failures >= limit and ends is not None:
            raise _too_many(ends, now)
    account = await asyncio.to_thread(web.runtime.store.accounts.get, name) if name else None
    ok = await asyncio.to_thread(
        passwords.verify, account.password_hash if account else None, password
    )
    if not ok or account is None:
        for key, _limit in limits:
            await asyncio.to_thread(repo.record_failure, key, now, window)
        raise SignInRefused(WRONG, 401)
    await asyncio.to_thread(repo.clear_failures, limits[0][0])
    session_id, session = await asyncio.to_thread(
        repo.start, account.username, now, web.session_lifetime
    )
    return SignedIn(web.signer.sign(session_id).decode("ascii"), session)


def _too_many(ends: datetime, now: datetime) -> SignInRefused:
    seconds = max(1, math.ceil((ends - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return SignInRefused(
        f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        429,
        seconds,
    )


async def sign_out(web: WebState, session_id: str) -> None:
    await asyncio.to_thread(web.runtime.store.web_sessions.end, session_id)


def client_address(request: Request) -> str:
    """The peer address (uvicorn applies X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else "unknown"
