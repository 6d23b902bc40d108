"""The gate every accounting call passes, in Xero's order: token (401), scope (401), tenant (403),
rate limits (429), Idempotency-Key (replay or 400), then the handler.

Handlers receive a :class:`Ctx` and return a Starlette response or raise
:class:`~component.sandbox.xero.envelope.XeroProblem`. They never see a request that Xero would
have refused earlier, and every answer leaves with the ``X-*Limit-Remaining`` headers.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from component.sandbox.xero import envelope as xe
from component.sandbox.xero.idempotency import MAX_KEY_LENGTH, Stored
from component.sandbox.xero.org import Org
from component.sandbox.xero.tokens import AccessToken
from component.sandbox.xero.webhooks import Category, EventType
from component.sandbox.xero.world import XeroWorld

_TX = ("accounting.transactions",)
SCOPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # family: (scopes that allow reading, scopes that allow writing)
    "invoices": (
        frozenset(
            {
                *_TX,
                "accounting.transactions.read",
                "accounting.invoices",
                "accounting.invoices.read",
            }
        ),
        frozenset({*_TX, "accounting.invoices"}),
    ),
    "payments": (
        frozenset(
            {
                *_TX,
                "accounting.transactions.read",
                "accounting.payments",
                "accounting.payments.read",
            }
        ),
        frozenset({*_TX, "accounting.payments"}),
    ),
    "contacts": (
        frozenset({"accounting.contacts", "accounting.contacts.read"}),
        frozenset({"accounting.contacts"}),
    ),
    "settings": (
        frozenset({"accounting.settings", "accounting.settings.read"}),
        frozenset({"accounting.settings"}),
    ),
    "attachments": (
        frozenset({"accounting.attachments", "accounting.attachments.read"}),
        frozenset({"accounting.attachments"}),
    ),
    # reports are read-only: the granular read scopes (and the old broad one) allow them
    "reports": (
        frozenset({"accounting.reports.read", "accounting.settings", "accounting.invoices"}),
        frozenset(),
    ),
}
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE"})


@dataclass
class Ctx:
    world: XeroWorld
    org: Org
    token: AccessToken
    request: Request
    now: datetime
    body: bytes
    events: list[dict[str, Any]] = field(default_factory=list)
    _query: dict[str, str] | None = None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.request.path_params)

    def query(self, name: str) -> str | None:
        """Query parameters are case-insensitive at Xero (``pageSize`` = ``pagesize``)."""
        if self._query is None:
            self._query = {k.lower(): v for k, v in self.request.query_params.items()}
        return self._query.get(name.lower())

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.query(name)
        return default if value is None else value.strip().lower() == "true"

    def json(self) -> Any:
        """The request body as JSON, or the 400 Xero answers to an unreadable body."""
        if not self.body.strip():
            raise xe.XeroProblem(xe.post_data_invalid("No data has been received"))
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise xe.XeroProblem(xe.post_data_invalid("Invalid Json data")) from None

    def emit(self, category: Category, resource_id: str, event_type: EventType) -> None:
        """Record a webhook event; the gate publishes them together once the call succeeded."""
        self.events.append(
            self.world.webhooks.event(self.org.tenant_id, category, resource_id, event_type)
        )

    def link(self, path: str) -> str:
        return f"{self.world.config.base_url.rstrip('/')}/api.xro/2.0/{path.lstrip('/')}"


Handler = Callable[[Ctx], Response | Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def bearer(world: XeroWorld, request: Request) -> AccessToken:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = world.tokens.lookup(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise xe.XeroProblem(xe.unauthorized("AuthenticationUnsuccessful"))
    if world.tokens.expired(token):
        raise xe.XeroProblem(xe.token_expired(token.expires))
    return token


def tenant(world: XeroWorld, request: Request, token: AccessToken) -> Org:
    wanted = request.headers.get("xero-tenant-id", "").strip().lower()
    if token.bound_tenant is not None and not wanted:
        wanted = token.bound_tenant
    org = world.orgs.get(wanted)
    if org is None or wanted not in token.tenant_ids():
        raise xe.XeroProblem(xe.forbidden())
    return org


def endpoint(world: XeroWorld, family: str, handler: Handler) -> Endpoint:
    read_scopes, write_scopes = SCOPES[family]

    async def run(request: Request) -> Response:
        org: Org | None = None
        try:
            token = bearer(world, request)
            allowed = write_scopes if request.method in WRITE_METHODS else read_scopes
            if not token.scopes & allowed:
                raise xe.XeroProblem(xe.unauthorized("AuthorizationUnsuccessful"))
            org = tenant(world, request, token)
        except xe.XeroProblem as problem:
            response = problem.response
        else:
            response = await _limited(world, org, token, request, handler)
        response.headers.update(world.limiter.headers(org.tenant_id if org else None))
        return response

    return run


async def _limited(
    world: XeroWorld, org: Org, token: AccessToken, request: Request, handler: Handler
) -> Response:
    forced = bool(request.scope.get("sandbox.forced_429"))
    refusal = (
        world.limiter.forced(org.tenant_id) if forced else world.limiter.acquire(org.tenant_id)
    )
    if refusal is not None:
        headers = {"X-Rate-Limit-Problem": refusal.problem}
        if refusal.retry_after is not None:
            headers["Retry-After"] = str(refusal.retry_after)
        return xe.problem(
            429, "Too Many Requests", f"Rate limit exceeded: {refusal.problem}", headers
        )
    try:
        delay = request.scope.pop("sandbox.delay", 0.0)
        if delay:
            await world.clock.sleep(delay)
        return await _idempotent(world, org, token, request, handler)
    finally:
        world.limiter.release(org.tenant_id)


async def _idempotent(
    world: XeroWorld, org: Org, token: AccessToken, request: Request, handler: Handler
) -> Response:
    body = await request.body()
    key = request.headers.get("idempotency-key")
    if request.method not in ("PUT", "POST") or key is None:
        return await _call(world, org, token, request, body, handler)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return xe.validation_messages(
            [f"Idempotency-Key must be between 1 and {MAX_KEY_LENGTH} characters"]
        )
    scope = (token.client_id, org.tenant_id, key)
    fingerprint = world.idempotency.fingerprint(
        request.method, request.url.path, request.url.query, body
    )
    found = world.idempotency.lookup(scope, fingerprint)
    if isinstance(found, Stored):
        return found.response()
    if found is False:
        return xe.validation_messages(
            ["The Idempotency-Key has already been used with a different request"]
        )
    response = await _call(world, org, token, request, body, handler)
    if response.status_code < 500:
        world.idempotency.save(scope, fingerprint, response)
    return response


async def _call(
    world: XeroWorld, org: Org, token: AccessToken, request: Request, body: bytes, handler: Handler
) -> Response:
    ctx = Ctx(world, org, token, request, world.clock.now(), body)
    try:
        result = handler(ctx)
        response = await result if inspect.isawaitable(result) else result
    except xe.XeroProblem as problem:
        return problem.response
    if response.status_code < 300 and ctx.events:
        world.webhooks.publish(ctx.events)
    response.headers.setdefault("Xero-Correlation-Id", str(uuid.uuid4()))
    return response


async def run_control(world: XeroWorld, org: Org, request: Request, handler: Handler) -> Response:
    """Run an accounting handler for the control API: no token, limits or idempotency, but the
    same validation, history and webhooks as an API call (events are published)."""
    token = AccessToken(
        "sandbox-control", "sandbox-control", frozenset(), world.clock.now(), None, org.tenant_id
    )
    return await _call(world, org, token, request, await request.body(), handler)
