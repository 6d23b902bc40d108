"""The shared Xero client: every Xero call of every action goes through ``XeroClient.request``.

It adds what every call needs (Bearer via the session's auth, ``Xero-tenant-Id``, ``Accept``, an
``Idempotency-Key`` on writes), paces the call through the tenant's limiter, retries what may be
retried (``component.xero.retry``) and turns failures into the error tree. Because all of that
lives in ``request``, no action, handler or data source can bypass the limits.

The ``Idempotency-Key`` is made once per ``request`` call, before the retry loop: every attempt of
one logical operation carries the same key, so Xero can recognise a retried create.
"""

from __future__ import annotations

import functools
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Literal

import httpx

from component import errors
from component.runtime import Runtime
from component.sessions import Session
from component.xero.errors import (
    day_limit_error,
    error_for,
    json_body,
    rate_limit_error,
    retry_after,
    tenant_header,
    transport_error,
    unsendable,
)
from component.xero.limiter import LEASE_MARGIN_SECONDS, Limits, Shared, TenantLimiter
from component.xero.retry import RetryPolicy, rate_limit_wait

Service = Literal["api", "connections"]
WRITE_METHODS = frozenset({"PUT", "POST"})
IDEMPOTENCY_HEADER = "Idempotency-Key"

log = logging.getLogger(__name__)


class XeroClient:
    def __init__(self, runtime: Runtime, session: Session) -> None:
        self.runtime = runtime
        self.session = session

    def url(self, path: str, service: Service = "api") -> str:
        settings = self.runtime.settings
        base = settings.xero_api_url if service == "api" else settings.xero_connections_url
        return f"{base}{path}" if path.startswith("/") or not path else f"{base}/{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        service: Service = "api",
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        tenant: bool = True,
        accept: str = "application/json",
        idempotency_key: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - an HTTP timeout, not a cancel scope
        retry: RetryPolicy | None = None,
        what: str | None = None,
    ) -> httpx.Response:
        """Send one logical Xero call (with its retries); raises the mapped error on failure."""
        method = method.upper()
        what = what or f"{method} {path}"
        send = {
            "method": method,
            "url": self.url(path, service),
            "params": params,
            "headers": self._headers(method, headers, tenant, accept, idempotency_key),
            "json": json,
            "content": content,
            "data": data,
            "files": files,
            "auth": self.session.auth,
            "timeout": timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        }
        keyed = any(name.lower() == "idempotency-key" for name in send["headers"])
        policy = retry or self.default_policy()
        limiter = self.limiter() if service == "api" else None
        failures = rate_waits = 0
        waited = 0.0
        while True:
            try:
                response, wait = await self._attempt(
                    limiter,
                    send,
                    what,
                    functools.partial(
                        self._rate_limit_wait,
                        limiter=limiter,
                        policy=policy,
                        rate_waits=rate_waits,
                        waited=waited,
                        what=what,
                    ),
                )
            except (httpx.InvalidURL, UnicodeEncodeError) as exc:
                raise unsendable(exc, what) from None
            except httpx.TransportError as exc:
                if failures < policy.retries and policy.may_retry_failure(method, keyed):
                    await self._backoff(policy, failures)
                    failures += 1
                    continue
                raise transport_error(exc, what) from None
            if response.is_success:
                return response
            if wait is not None:  # a 429: the limiter (or, off the tenant API, we) waits
                if limiter is None:
                    await self.runtime.clock.sleep(wait)
                rate_waits += 1
                waited += wait
                continue
            if failures < policy.retries and _retryable(response, policy, method, keyed):
                await self._backoff(policy, failures)
                failures += 1
                continue
            raise error_for(response, what)

    def default_policy(self) -> RetryPolicy:
        """Retries for ordinary action calls, as configured (``XERO_MAX_RETRIES``)."""
        settings = self.runtime.settings
        return RetryPolicy(
            retries=settings.xero_max_retries,
            base_delay=settings.xero_retry_base_delay_seconds,
            max_rate_limit_wait=settings.xero_rate_limit_max_wait_seconds,
        )

    async def _attempt(
        self,
        limiter: TenantLimiter | None,
        send: dict[str, Any],
        what: str,
        rate_limit_wait: Callable[[httpx.Response], float],
    ) -> tuple[httpx.Response, float | None]:
        """One attempt: its response, and for a 429 the seconds to wait before the next.

        The answer is read while the attempt still holds its slot, so what it says (the
        Remaining headers, a 429's pause or day block) reaches the limits the other processes
        share in the same transaction that ends the attempt.
        """
        if limiter is None:
            response = await self.runtime.http.request(**send)
            return response, rate_limit_wait(response) if response.status_code == 429 else None
        async with limiter.slot(what):
            response = await self.runtime.http.request(**send)
            limiter.observe(response.headers)
            if response.status_code != 429:
                return response, None
            wait = rate_limit_wait(response)
            limiter.pause(wait, app=_problem(response) == "appminute")
            return response, wait

    def _rate_limit_wait(
        self,
        response: httpx.Response,
        limiter: TenantLimiter | None,
        policy: RetryPolicy,
        rate_waits: int,
        waited: float,
        what: str,
    ) -> float:
        """Seconds to wait before retrying a 429, said on the log (the CLI shows it on stderr).

        A ``day`` refusal raises at once (blocking the tenant until the reset), and so does a
        429 that would take this call's waiting past the bound: ``rate_limited`` with Retry-After.
        """
        problem = _problem(response)
        wait = retry_after(response)
        if problem == "day":
            if wait is None:
                raise rate_limit_error(problem, None, what)
            if limiter is not None:
                limiter.block_day(wait)
            resets_at = self.runtime.clock.now() + timedelta(seconds=wait)
            budget = self.runtime.settings.xero_daily_call_budget
            raise day_limit_error(what, wait, resets_at, by_xero=True, budget=budget)
        seconds = rate_limit_wait(problem, wait)
        bound = policy.max_rate_limit_wait
        if bound is None:
            bound = self.runtime.settings.xero_rate_limit_max_wait_seconds
        if rate_waits >= policy.rate_limit_retries or waited + seconds > bound:
            note = (
                f" (waited {waited:g} s already; one call waits at most {bound:g} s in all: "
                "XERO_RATE_LIMIT_MAX_WAIT_SECONDS)"
            )
            raise rate_limit_error(problem, seconds, what, note)
        log.warning(
            "Xero's %s rate limit: waiting %g s before retrying %s, as Xero asks "
            "(%g of at most %g s waited so far)",
            problem,
            seconds,
            what,
            waited,
            bound,
        )
        return seconds

    async def _backoff(self, policy: RetryPolicy, failures: int) -> None:
        rng: random.Random = self.runtime.shared_object("xero.retry.random", random.Random)
        await self.runtime.clock.sleep(policy.backoff(failures, rng))

    def limiter(self, key: str | None = None) -> TenantLimiter:
        """The process-wide limiter of this session's organisation (created on first use)."""
        key = key or self.session.tenant_id or f"connection:{self.session.name or self.session.key}"
        limiters: dict[str, TenantLimiter] = self.runtime.shared_object("xero.limiters", dict)
        limiter = limiters.get(key)
        if limiter is None:
            settings = self.runtime.settings
            limits = Limits(
                concurrent=settings.xero_concurrent_limit,
                per_minute=settings.xero_minute_call_limit,
                per_day=settings.xero_daily_call_budget,
                app_per_minute=settings.xero_app_minute_call_limit,
            )
            limiter = limiters[key] = TenantLimiter(
                self.runtime.clock, limits, key, shared_limits(self.runtime)
            )
        return limiter

    def _headers(
        self,
        method: str,
        extra: Mapping[str, str] | None,
        tenant: bool,
        accept: str,
        idempotency_key: str | None,
    ) -> dict[str, str]:
        headers = {"Accept": accept}
        if tenant and self.session.needs_tenant_header:
            if not self.session.tenant_id:
                raise errors.ConnectionError(
                    f"{self.session.describe()} has no Xero tenant selected",
                    reconnect="reconnect with `xero-wa connect xero --tenant NAME` or add tenantId",
                    api_reconnect='send "tenant": the organisation\'s name or tenant id, or add '
                    "tenantId to the connection",
                )
            headers["Xero-tenant-Id"] = tenant_header(self.session.tenant_id)
        if method in WRITE_METHODS:
            headers[IDEMPOTENCY_HEADER] = idempotency_key or str(uuid.uuid4())
        if extra:
            lowered = {name.lower(): name for name in headers}
            for name, value in extra.items():
                headers.pop(lowered.get(name.lower(), name), None)
                headers[name] = value
        return headers

    async def get_json(self, path: str, params: Mapping[str, str] | None = None, **kw: Any) -> Any:
        response = await self.request("GET", path, params=params, **kw)
        return json_body(response, kw.get("what") or f"GET {path}")


def shared_limits(runtime: Runtime) -> Shared | None:
    """Xero's limits as every process on the store shares them (None: this process's own).

    Without a store there is nothing to share, and the ledger's code is not even loaded."""
    if not runtime.has_store:
        return None
    from component.storage.rate_ledger import ledger_for

    ledger = ledger_for(runtime, "Xero's rate limits")
    if ledger is None:
        return None
    return Shared(ledger, runtime.settings.http_timeout_seconds + LEASE_MARGIN_SECONDS)


def _problem(response: httpx.Response) -> str:
    problem: str = response.headers.get("X-Rate-Limit-Problem", "unknown")
    return problem.strip().lower()


def _retryable(response: httpx.Response, policy: RetryPolicy, method: str, keyed: bool) -> bool:
    if policy.retry_all_errors:
        return True
    return response.status_code >= 500 and policy.may_retry_failure(method, keyed)
