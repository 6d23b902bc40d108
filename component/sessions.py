"""Connections at run time: from a value or a stored name to an authenticated ``Session``.

A connection reaches an invocation in one of three forms:

- an inline value ``{"type": "xeroToken", "accessToken": "...", "tenantId": "..."}``;
- the name of a connection stored by ``xero-wa connect`` (``--connection NAME``);
- nothing, in which case ``XERO_WA_CONNECTION_VALUE`` or the only stored connection of the
  action's family is used.

The connection spec's handler (``open``) turns cleaned values into a ``Session``: an
``httpx.Auth`` that signs requests, plus the tenant for Xero. Sessions are cached per runtime so
a thousand invocations do not authenticate a thousand times.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from component import errors
from component.inputs import clean
from component.runtime import Runtime

StoredOrInline = str | Mapping[str, Any]


@dataclass(frozen=True)
class Session:
    """An authenticated connection ready for requests. ``values`` hold secrets: never print."""

    key: str
    family: str
    auth: httpx.Auth
    values: Mapping[str, Any] = field(repr=False)
    tenant_id: str | None = None
    #: Stored connection name, when it came from the store.
    name: str | None = None
    #: Whether the tenant header must be sent (client-credentials tokens are bound to one org).
    needs_tenant_header: bool = True
    #: Ids of every tenant the connection reaches, when known (cached from ``GET /connections``).
    tenants: tuple[str, ...] | None = None

    def with_tenant(self, tenant_id: str) -> Session:
        """The same connection aimed at another of its tenants (e.g. a webhook event's).

        Selecting a tenant the connection is known not to reach is an error, raised here rather
        than as Xero's 403 later; ``component.oauth.tenants.select_tenant`` re-lists the tenants
        once before giving up, for organisations connected after the list was cached.
        """
        if self.tenants is not None:
            match = next((t for t in self.tenants if t.casefold() == tenant_id.casefold()), None)
            if match is None:
                raise errors.ConnectionError(
                    f"{self.describe()} does not reach the Xero organisation {tenant_id}",
                    reconnect=f"authorise that organisation with `xero-wa connect xero --name "
                    f"{self.name or 'NAME'}`",
                )
            tenant_id = match
        return replace(self, tenant_id=tenant_id)

    def describe(self) -> str:
        """A safe one-line description for messages: never includes secret values."""
        who = f"connection {self.name!r}" if self.name else f"inline {self.key} connection"
        return f"{who} (tenant {self.tenant_id})" if self.tenant_id else who


@dataclass
class ConnectionContext:
    """What a connection handler's ``open`` receives."""

    runtime: Runtime
    spec_key: str
    name: str | None = None


class _ValueKey:
    """A connection value as a cache key: compared by content, shown as ``***``.

    The key holds secrets (client secrets, tokens), and ``runtime.shared`` is part of the
    runtime's ``repr``; this keeps them out of any log line or traceback that prints it.
    """

    __slots__ = ("_hash", "_items")

    def __init__(self, items: frozenset[tuple[str, Any]]) -> None:
        self._items = items
        self._hash = hash(items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ValueKey) and self._items == other._items

    def __repr__(self) -> str:
        return "_ValueKey(***)"


def _fingerprint(value: Mapping[str, Any]) -> Any:
    """A cache key for a connection value: the items themselves when flat, else a digest."""
    try:
        return _ValueKey(frozenset(value.items()))
    except TypeError:  # nested (unhashable) values
        text = json.dumps(value, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


async def open_value(
    runtime: Runtime, value: Mapping[str, Any], *, name: str | None = None
) -> Session:
    """Open an inline connection value (cached per runtime by a hash of its content)."""
    cache: dict[Any, Session] = runtime.shared_object("sessions", dict)
    fingerprint = _fingerprint({"name": name, **value})
    cached = cache.get(fingerprint)
    if cached is not None:
        return cached
    type_key = value.get("type")
    if not isinstance(type_key, str) or not type_key:
        known = ", ".join(runtime.registry.connections)
        raise errors.InputError.single("connection.type", f"is required; one of {known}")
    loaded = runtime.registry.connection(type_key)
    raw = {k: v for k, v in value.items() if k != "type"}
    values = clean(loaded.spec.inputs, raw, context=f"connection {type_key}")
    opener = runtime.registry.handler(loaded)
    session: Session = await opener(ConnectionContext(runtime, type_key, name), values)
    cache[fingerprint] = session
    return session


def forget(runtime: Runtime, name: str) -> None:
    """Drop cached sessions of stored connection ``name`` (after it is replaced or removed)."""
    cache: dict[Any, Session] = runtime.shared_object("sessions", dict)
    for key in [k for k, session in cache.items() if session.name == name]:
        del cache[key]


def parse_value(text: str, *, source: str) -> dict[str, Any]:
    """Parse a JSON connection value (from ``--connection-value`` or the environment)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.InputError.single(
            source,
            errors.json_reason(exc),
        ) from None
    if not isinstance(value, dict):
        raise errors.InputError.single(source, "expected a JSON object with a 'type' field")
    return value


async def resolve(runtime: Runtime, connection: StoredOrInline | None, family: str) -> Session:
    """Find the connection for an invocation of a ``family`` action (see module docstring)."""
    if isinstance(connection, Mapping):
        session = await open_value(runtime, connection)
    elif isinstance(connection, str):
        session = await _open_stored(runtime, connection)
    else:
        session = await _default(runtime, family)
    if session.family != family:
        raise errors.InputError.single(
            "connection", f"a {session.key} connection cannot run a {family} action"
        )
    return session


async def _default(runtime: Runtime, family: str) -> Session:
    env_value = runtime.settings.xero_wa_connection_value
    if env_value is not None:
        value = parse_value(env_value.get_secret_value(), source="XERO_WA_CONNECTION_VALUE")
        type_key = value.get("type")
        if (
            type_key in runtime.registry.connections
            and runtime.registry.connection(str(type_key)).spec.family == family
        ):
            return await open_value(runtime, value)
    stored = _stored_names(runtime, family)
    if len(stored) == 1:
        return await _open_stored(runtime, stored[0])
    if len(stored) > 1:
        return await _one_of_several(runtime, family, stored)
    raise errors.ConnectionError(
        f"no {family} connection given",
        reconnect=f"run `xero-wa connect {family}`, pass --connection-value JSON, or use --sandbox",
        api_reconnect=api_connection_fix(family),
    )


async def _one_of_several(runtime: Runtime, family: str, stored: list[str]) -> Session:
    """Several stored Xero connections are no ambiguity while they serve one switched-on
    organisation (two logins to the same company): its session is used. Otherwise the error
    lists the organisations (and connections) to choose from."""
    choices = ""
    if family == "xero":
        from component.orgs.act import xero_session
        from component.orgs.defaults import OrgDefaults
        from component.orgs.view import load_all

        # off the event loop: this reads the store and parses every organisation's policy
        orgs = [o for o in await asyncio.to_thread(load_all, runtime, OrgDefaults()) if o.enabled]
        if len(orgs) == 1 and orgs[0].xero.name is not None:
            return await xero_session(runtime, orgs[0])
        choices = "; organisations: " + ", ".join(f"{o.name} ({o.tenant_id})" for o in orgs)
    raise errors.ConnectionError(
        f"several {family} connections are stored ({', '.join(stored)}){choices}; choose one",
        reconnect="pass --tenant NAME|ID or --connection NAME",
        api_reconnect='send "tenant": the organisation\'s name or tenant id, or "connection": NAME',
    )


def _stored_names(runtime: Runtime, family: str) -> list[str]:
    if not runtime.has_store:
        return []
    return runtime.store.connections.names(family=family)


async def _open_stored(runtime: Runtime, name: str) -> Session:
    from component.oauth.access import cipher

    record = None
    if runtime.has_store:
        record = runtime.store.connections.get(name, cipher(runtime))
    if record is None:
        raise errors.ConnectionError(
            f"no stored connection named {name!r}",
            reconnect=f"run `xero-wa connect xero --name {name}` (or `xero-wa connections` to "
            "see the stored ones)",
        )
    return await open_value(runtime, {"type": record.type, **record.values}, name=name)


def api_connection_fix(family: str) -> str:
    """What an HTTP API client does about a missing connection (no command-line flags)."""
    return (
        f'send "connection": the name of a {family} connection stored on the server (made with '
        f"`xero-wa connect {family}` or the web app's Connections page) or a connection object"
    )
