"""Connections that need no browser, the masked listing, and disconnecting.

Shared by the CLI (``connect --client-credentials``, ``connect whatsapp``, ``connections``,
``disconnect``) and the HTTP service. Listings show ``***`` for every password input and never
read a token column.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from component import errors
from component.auth import BearerToken
from component.oauth.access import cipher, token_repo
from component.oauth.app import XeroApp
from component.oauth.authorize import clean_values, save_connected
from component.oauth.client_credentials import ClientCredentialsGrant, check_scopes
from component.oauth.connected import Connected, forget_cached
from component.oauth.endpoint import GrantRefused, revoke
from component.oauth.open import reconnect_command
from component.oauth.tenants import fetch_tenants
from component.runtime import Runtime
from component.storage import locks
from component.storage.tokens import TokenRecord

log = logging.getLogger("xero_wa.oauth")
MASK = "***"
CC_KEY = "xeroClientCredentials"
WHATSAPP_KEY = "whatsappCloud"


def stored_values(runtime: Runtime, name: str, type_key: str) -> dict[str, Any] | None:
    """The values of stored connection ``name`` when it is of ``type_key`` (to reconnect it)."""
    if not runtime.has_store:
        return None
    record = runtime.store.connections.get(name, cipher(runtime))
    return dict(record.values) if record is not None and record.type == type_key else None


async def connect_client_credentials(
    runtime: Runtime, name: str, values: Mapping[str, Any]
) -> Connected:
    """Check the credentials with a real token request, then store connection and token."""
    cleaned = clean_values(runtime, CC_KEY, values)
    app = XeroApp.from_values(cleaned, runtime.settings)
    check_scopes(app.scopes)
    grant = ClientCredentialsGrant(app)
    try:
        tokens = await grant.obtain(runtime, None, "requesting a client-credentials token")
    except GrantRefused as refused:
        raise errors.ConnectionError(
            f"Xero refused the client credentials of connection {name!r}: "
            f"{grant.explain_refusal(refused, TokenRecord(name, 'client_credentials', None))}",
            reconnect=reconnect_command(name, "client_credentials"),
        ) from None
    try:
        tenants = await fetch_tenants(runtime, BearerToken(tokens.access_token))
    except errors.XeroWaError as exc:  # the org's name is a nicety; the token is what matters
        log.info("could not list the organisation of %s: %s", name, exc.code)
        tenants = ()
    tenant = tenants[0] if len(tenants) == 1 else None
    return await save_connected(
        runtime, name, CC_KEY, "client_credentials", tokens, cleaned, tenants, tenant
    )


def save_whatsapp(runtime: Runtime, name: str, values: Mapping[str, Any]) -> Connected:
    from component.whatsapp.provider import provider_of
    from component.whatsapp.signature import signature_of

    cleaned = clean_values(runtime, WHATSAPP_KEY, values)
    provider_of(cleaned, runtime.settings)  # the provider profile must make sense before saving
    signature_of(cleaned)
    runtime.store.connections.put(name, WHATSAPP_KEY, "whatsapp", cleaned, cipher(runtime))
    forget_cached(runtime, name)
    return Connected(name, WHATSAPP_KEY, "whatsapp")


def list_connections(runtime: Runtime) -> list[dict[str, Any]]:
    """Every stored connection with its status; password inputs shown as ``***``."""
    if not runtime.has_store:
        return []
    repo = token_repo(runtime)
    rows = []
    for row in runtime.store.connections.rows():
        entry: dict[str, Any] = {"name": row.name, "type": row.type, "family": row.family}
        try:
            stored = runtime.store.connections.get(row.name, cipher(runtime))
            entry["values"] = _masked(runtime, row.type, stored.values if stored else {})
            record = repo.get(row.name)
        except errors.ConnectionError as exc:  # encrypted with another key: say so, keep listing
            entry["status"] = "unreadable"
            entry["problem"] = exc.message
            rows.append(entry)
            continue
        entry.update(_token_summary(record) if record else {"status": "active"})
        entry["updatedAt"] = row.updated_at
        rows.append(entry)
    return rows


def _masked(runtime: Runtime, type_key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    secret = set()
    if type_key in runtime.registry.connections:
        spec = runtime.registry.connection(type_key).spec
        secret = {i.key for i in spec.inputs if i.type == "password"}
    return {k: (MASK if k in secret and v not in (None, "") else v) for k, v in values.items()}


def _token_summary(record: TokenRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"status": record.status}
    if record.status_reason:
        out["problem"] = record.status_reason
    if record.needs_reauth:
        out["fix"] = reconnect_command(record.connection, record.grant_type)
    if record.tenant_id:
        out["tenantId"] = record.tenant_id
        out["tenantName"] = record.tenant_name
    if record.tokens is not None:
        out["accessTokenExpiresAt"] = record.tokens.expires_at.isoformat(timespec="seconds")
        out["scopes"] = record.tokens.scope
    if record.rotated_at is not None:
        out["refreshTokenRotatedAt"] = record.rotated_at.isoformat(timespec="seconds")
    if record.inflight is not None:
        out["interruptedRefreshAt"] = record.inflight.started_at.isoformat(timespec="seconds")
    return out


async def disconnect(
    runtime: Runtime, name: str, *, revoke_token: bool = False, local_only: bool = False
) -> dict[str, Any]:
    """Disconnect at Xero (``DELETE /connections/{id}``, optionally revoke), then forget locally.

    When Xero cannot be told (the connection already needs re-authorisation), the connection is
    still forgotten and the answer says so, with where to remove the app by hand.
    """
    record = runtime.store.connections.get(name, cipher(runtime)) if runtime.has_store else None
    if record is None:
        raise errors.InputError.single("name", f"no stored connection named {name!r}")
    done: dict[str, Any] = {"name": name, "type": record.type}
    if record.type == "xeroOAuth2" and not local_only:
        done.update(await _disconnect_at_xero(runtime, name, record.values, revoke_token))
    runtime.store.connections.delete(name)
    locks.forget(runtime.settings.xero_wa_home, name)
    forget_cached(runtime, name)
    done["forgotten"] = True
    return done


async def _disconnect_at_xero(
    runtime: Runtime, name: str, values: Mapping[str, Any], revoke_token: bool
) -> dict[str, Any]:
    from component.sessions import open_value
    from component.xero.client import XeroClient

    out: dict[str, Any] = {}
    try:
        session = await open_value(runtime, {"type": "xeroOAuth2", **values}, name=name)
        stored = await asyncio.to_thread(token_repo(runtime).get, name)
        tenant = stored.tenant(session.tenant_id or "") if stored else None
        if tenant is not None and tenant.connection_id:
            await XeroClient(runtime, session).request(
                "DELETE",
                f"/{tenant.connection_id}",
                service="connections",
                tenant=False,
                what="disconnecting the organisation",
            )
            out["disconnectedTenant"] = tenant.tenant_id
        if revoke_token:
            out["revoked"] = await _revoke(runtime, name, values)
    except errors.ConnectionError as exc:
        out.update(
            remote="skipped",
            problem=exc.message,
            hint="remove the app at https://go.xero.com/Settings/ConnectedApps if it is listed",
        )
    except errors.UpstreamError as exc:
        raise type(exc)(
            f"{exc.message}; connection {name!r} is still stored: run the command again, or add "
            "--local-only to forget it without telling Xero",
            exc.info,
        ) from None
    return out


async def _revoke(runtime: Runtime, name: str, values: Mapping[str, Any]) -> bool:
    """Revoke the stored refresh token; one Xero already forgot counts as revoked."""
    record = await asyncio.to_thread(token_repo(runtime).get, name)
    if record is None:
        return False
    token = (record.inflight.refresh_token if record.inflight else None) or record.refresh_token
    if not token:
        return False
    try:
        await revoke(runtime, XeroApp.from_values(values, runtime.settings), token)
    except GrantRefused as refused:
        log.info("revoking the refresh token of %s: Xero answered %s", name, refused.error)
    return True
