"""The authorization-code connect flow, in two halves any front end can call.

``start_authorization`` validates the connection values, makes ``state`` and a PKCE verifier,
records them as a pending authorisation in the store and returns Xero's consent URL.
``finish_authorization`` takes the callback's ``state`` and ``code`` (in this process or
another: the pending record is in the store), exchanges the code, lists the organisations and
stores the connection with every tenant the consent reached, in one transaction. It never fails
after Xero's consent for a question of choice: each tenant becomes an organisation, enabled
unless the user said otherwise (``--tenant`` names the one to enable; on a terminal the CLI asks
which, default all; the browser enables all and its page lists them).

``xero-wa connect xero`` runs both around a localhost callback; the HTTP service's ``/oauth``
routes run the first on ``/oauth/start`` and the second on ``/oauth/callback``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from component import errors
from component.auth import BearerToken
from component.inputs import clean
from component.oauth.access import cipher, pending_repo, token_repo
from component.oauth.app import XeroApp
from component.oauth.connected import Connected, forget_cached
from component.oauth.endpoint import GrantRefused, request_tokens
from component.oauth.pkce import challenge, new_state, new_verifier
from component.oauth.tenants import EnableChooser, fetch_tenants, pick_enabled
from component.oauth.token_set import TokenSet
from component.orgs.sync import seen
from component.runtime import Runtime
from component.storage.connections import write_connection
from component.storage.tokens import TenantRef

SPEC_KEY = "xeroOAuth2"
#: A pending authorisation is forgotten after this long (Xero's codes live 5 minutes).
PENDING_MAX_AGE_SECONDS = 900


@dataclass(frozen=True)
class AuthorizationStart:
    """Send the user to ``url``; Xero redirects to ``redirect_uri`` with ``code`` and ``state``."""

    url: str
    redirect_uri: str
    state: str = field(repr=False)


def clean_values(runtime: Runtime, spec_key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults and validation of a connection spec's inputs (errors name the field)."""
    spec = runtime.registry.connection(spec_key).spec
    given = {k: v for k, v in values.items() if v is not None}
    return clean(spec.inputs, given, context=f"connection {spec_key}")


async def start_authorization(
    runtime: Runtime, name: str, values: Mapping[str, Any]
) -> AuthorizationStart:
    """Begin connecting ``name``: returns the consent URL to open in a browser."""
    cleaned = clean_values(runtime, SPEC_KEY, values)
    app = XeroApp.from_values(cleaned, runtime.settings)
    if "offline_access" not in app.scopes.split():
        raise errors.InputError.single(
            "scopes",
            "must include offline_access: without it Xero issues no refresh token and the "
            "connection stops working after 30 minutes",
        )
    state, verifier = new_state(), new_verifier()
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": app.scopes,
        "state": state,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    payload = {"name": name, "values": cleaned, "verifier": verifier}
    repo = pending_repo(runtime)
    await asyncio.to_thread(repo.put, state, payload, runtime.clock.now())
    url = f"{app.authorize_url}?{urlencode(query)}"
    return AuthorizationStart(url=url, redirect_uri=app.redirect_uri, state=state)


async def finish_authorization(
    runtime: Runtime,
    *,
    state: str,
    code: str | None,
    error: str | None = None,
    error_description: str | None = None,
    chooser: EnableChooser | None = None,
) -> Connected:
    """Complete the flow from the callback's query parameters; returns what was stored."""
    repo = pending_repo(runtime)
    pending = await asyncio.to_thread(
        repo.take, state, runtime.clock.now(), PENDING_MAX_AGE_SECONDS
    )
    if pending is None:
        raise errors.InputError.single(
            "state",
            "matches no pending authorisation (it was already used, is older than 15 minutes, "
            "or was not started here); start again with `xero-wa connect xero`",
        )
    name: str = pending["name"]
    values: dict[str, Any] = pending["values"]
    again = f"run `xero-wa connect xero --name {name}`"
    if error:
        why = f"{error}: {error_description}" if error_description else error
        raise errors.ConnectionError(
            f"Xero did not authorise connection {name!r} ({why})", reconnect=again
        )
    if not code:
        raise errors.InputError.single("code", "the callback carried no authorisation code")
    app = XeroApp.from_values(values, runtime.settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": pending["verifier"],
    }
    try:
        tokens = await request_tokens(runtime, app, form, "exchanging the authorisation code")
    except GrantRefused as refused:
        raise errors.ConnectionError(
            f"Xero refused the authorisation code of connection {name!r} ({refused.explain()}); "
            "codes are single-use and expire after 5 minutes, and the redirect URI and client "
            "secret must match the app's",
            reconnect=again,
        ) from None
    if tokens.refresh_token is None:
        raise errors.ConnectionError(
            "Xero issued no refresh token, so the connection would stop working in 30 minutes",
            reconnect=f"add offline_access to the scopes, then {again}",
        )
    tenants = await fetch_tenants(runtime, BearerToken(tokens.access_token))
    if not tenants:
        raise errors.ConnectionError(
            "the authorisation gave access to no Xero organisation",
            reconnect=f"{again} and tick an organisation on Xero's consent screen",
        )
    enabled, notes = await pick_enabled(tenants, values.get("tenant"), chooser)
    default = enabled[0] if enabled else tenants[0]
    connected = await save_connected(
        runtime,
        name,
        SPEC_KEY,
        "authorization_code",
        tokens,
        values,
        tenants,
        default,
        enabled=enabled,
    )
    return replace(connected, notes=tuple(notes))


async def save_connected(
    runtime: Runtime,
    name: str,
    spec_key: str,
    grant_type: str,
    tokens: TokenSet,
    values: Mapping[str, Any],
    tenants: tuple[TenantRef, ...],
    tenant: TenantRef | None,
    *,
    enabled: tuple[TenantRef, ...] | None = None,
) -> Connected:
    """Store a Xero connection and its first token set in one transaction (a connection is never
    stored without its tokens), then drop any session cached under the same name, and record its
    tenants as organisations (``enabled``: the ones switched on; None: all)."""
    seal = cipher(runtime)
    await asyncio.to_thread(
        token_repo(runtime).save,
        name,
        grant_type,
        tokens,
        runtime.clock.now(),
        tenants=tenants,
        tenant=tenant,
        first=lambda conn: write_connection(conn, name, spec_key, "xero", dict(values), seal),
    )
    forget_cached(runtime, name)
    reached = tenants or ((tenant,) if tenant is not None else ())
    switched_on = enabled if enabled is not None else reached
    if reached:
        await asyncio.to_thread(
            runtime.store.organisations.sync_links,
            name,
            seen(reached),
            runtime.clock.now(),
            enable=frozenset(t.tenant_id for t in switched_on),
        )
    return Connected(
        name,
        spec_key,
        "xero",
        tenant,
        tenants,
        tokens.scope,
        tokens.expires_at,
        enabled=tuple(switched_on),
    )
