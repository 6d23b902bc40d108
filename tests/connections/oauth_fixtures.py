"""Helpers for connection tests: Xero's real URLs (intercepted by pytest-httpx), stored state."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from component.oauth.access import cipher, token_repo
from component.oauth.authorize import clean_values
from component.oauth.token_set import TokenSet
from component.runtime import Runtime
from component.sessions import resolve
from component.storage.connections import write_connection
from component.storage.tokens import TenantRef
from component.xero.client import XeroClient

TOKEN_URL = "https://identity.xero.com/connect/token"
REVOKE_URL = "https://identity.xero.com/connect/revocation"
CONNECTIONS_URL = "https://api.xero.com/connections"
ORG_URL = "https://api.xero.com/api.xro/2.0/Organisation"
CLIENT_ID = "client-id-1"
CLIENT_SECRET = "client-secret-1"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
SCOPES = (
    "offline_access accounting.invoices accounting.payments accounting.contacts "
    "accounting.settings accounting.attachments"
)
ACME = TenantRef("tenant-1", "Acme Ltd", "conn-1")
GLOBEX = TenantRef("tenant-2", "Globex", "conn-2")
ORG_BODY = {"Organisations": [{"Name": "Acme Ltd"}]}


def token_body(n: int, *, refresh: bool = True, expires_in: int = 1800) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": f"AT{n}",
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": SCOPES,
    }
    if refresh:
        body["refresh_token"] = f"RT{n}"
    return body


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


def store_connection(
    runtime: Runtime,
    name: str = "acme",
    *,
    access: str = "AT0",
    refresh: str | None = "RT0",
    type_key: str = "xeroOAuth2",
    values: dict[str, Any] | None = None,
    tenants: tuple[TenantRef, ...] = (ACME, GLOBEX),
    tenant: TenantRef | None = ACME,
) -> None:
    """A connection as the connect flow leaves it: token issued now, valid 30 minutes."""
    given = values or {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    cleaned = clean_values(runtime, type_key, given)
    grant = "client_credentials" if type_key == "xeroClientCredentials" else "authorization_code"
    now = runtime.clock.now()
    tokens = TokenSet(access, now + timedelta(seconds=1800), refresh, SCOPES)
    seal = cipher(runtime)
    token_repo(runtime).save(
        name,
        grant,
        tokens,
        now,
        tenants=tenants,
        tenant=tenant,
        first=lambda conn: write_connection(conn, name, type_key, "xero", cleaned, seal),
    )


async def call_org(runtime: Runtime, name: str = "acme") -> Any:
    """One accounting call through the stored connection, as an action would make it."""
    session = await resolve(runtime, name, "xero")
    return await XeroClient(runtime, session).get_json("/Organisation")
