"""Which organisation a connection works on: listed once from ``GET /connections``, then cached.

An authorization-code token may reach several organisations. The connect flow picks one (by name,
case-insensitively, or by id; asking when several match and none was named), and the store caches
the whole list so a webhook event's ``tenantId`` can select another of the connection's tenants
without a call to Xero; only an unknown tenant id triggers one fresh listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

import httpx

from component import errors
from component.oauth.access import token_repo
from component.runtime import Runtime
from component.sessions import Session
from component.storage.tokens import TenantRef
from component.xero.client import XeroClient
from component.xero.tenants import list_tenants, pick_tenant

#: Asks the user to pick one of several organisations (the CLI prompts; a web page could too).
Chooser = Callable[[Sequence[TenantRef]], Awaitable[TenantRef]]
#: Asks the user which of the organisations a consent reached to switch on (default: all).
EnableChooser = Callable[[Sequence[TenantRef]], Awaitable[Sequence[TenantRef]]]


async def fetch_tenants(runtime: Runtime, auth: httpx.Auth) -> tuple[TenantRef, ...]:
    """Every organisation ``auth``'s token reaches, from Xero's ``GET /connections``."""
    probe = Session(
        key="xeroOAuth2", family="xero", auth=auth, values={}, needs_tenant_header=False
    )
    items = await list_tenants(XeroClient(runtime, probe))
    return tuple(TenantRef.from_xero(item) for item in items if isinstance(item, dict))


async def choose_tenant(
    tenants: Sequence[TenantRef], wanted: str | None, chooser: Chooser | None
) -> TenantRef:
    """The tenant named (or with the id) ``wanted``; the only one; or the one the user picks."""
    if not tenants:
        raise errors.ConnectionError(
            "the authorisation gave access to no Xero organisation",
            reconnect="connect again and tick an organisation on Xero's consent screen",
        )
    candidates = list(tenants)
    if wanted and wanted.strip():
        as_dicts = [t.to_json() for t in tenants]
        ids = {str(d["tenantId"]) for d in pick_tenant(as_dicts, wanted)}
        candidates = [t for t in tenants if t.tenant_id in ids]
        if not candidates:
            raise errors.InputError.single(
                "tenant",
                f"no authorised organisation is named or has the id {wanted!r}; the "
                f"authorisation reaches {_names(tenants)}. Connect again and tick it on Xero's "
                "consent screen, or pass one of those",
            )
    if len(candidates) == 1:
        return candidates[0]
    if chooser is not None:
        return await chooser(candidates)
    raise errors.InputError.single(
        "tenant",
        f"several organisations match: {_names(candidates)}; say which with --tenant NAME or ID "
        "(nothing was saved)",
    )


async def pick_enabled(
    tenants: Sequence[TenantRef], wanted: str | None, chooser: EnableChooser | None
) -> tuple[tuple[TenantRef, ...], list[str]]:
    """Which of the consented ``tenants`` to switch on, and notes for the user.

    ``wanted`` (``--tenant``) names the one to switch on; one that matches nothing switches all
    on and says so (the consent happened: nothing is lost by saving it). Otherwise the chooser
    asks when there are several; without one, all are on.
    """
    if wanted and wanted.strip():
        ids = {str(d["tenantId"]) for d in pick_tenant([t.to_json() for t in tenants], wanted)}
        matched = tuple(t for t in tenants if t.tenant_id in ids)
        if matched:
            return matched, []
        note = (
            f"no authorised organisation is named or has the id {wanted!r}; all of "
            f"{_names(tenants)} are switched on (turn one off with `xero-wa orgs set ORG "
            "--enabled off`)"
        )
        return tuple(tenants), [note]
    if len(tenants) > 1 and chooser is not None:
        chosen = tuple(await chooser(tenants))
        return chosen, []
    return tuple(tenants), []


async def select_tenant(runtime: Runtime, session: Session, tenant_id: str) -> Session:
    """``session`` aimed at ``tenant_id`` (e.g. a webhook event's), re-listing once if unknown.

    A tenant missing from the cached list may have been connected since; one ``GET
    /connections`` settles it and refreshes the cache. Still missing is a ConnectionError.
    """
    name = session.name
    try:
        return session.with_tenant(tenant_id)
    except errors.ConnectionError:
        if name is None:
            raise
    tenants = await fetch_tenants(runtime, session.auth)
    repo = token_repo(runtime)
    await asyncio.to_thread(repo.set_tenants, name, tenants, None, runtime.clock.now())
    refreshed = replace(session, tenants=tuple(t.tenant_id for t in tenants))
    return refreshed.with_tenant(tenant_id)


def _names(tenants: Sequence[TenantRef]) -> str:
    return ", ".join(f"{t.tenant_name or '(unnamed)'} ({t.tenant_id})" for t in tenants)


async def aim_at(runtime: Runtime, session: Session, wanted: str | None) -> Session:
    """``session`` aimed at the organisation named (case-insensitively) or with the id ``wanted``;
    ``session`` itself when nothing is wanted or it is already there. Used by the MCP server's
    ``tenant`` argument and ``xero-wa poll --org``."""
    if not wanted or not wanted.strip():
        return session
    wanted = wanted.strip()
    if session.tenant_id and session.tenant_id.casefold() == wanted.casefold():
        return session
    chosen = await choose_tenant(await fetch_tenants(runtime, session.auth), wanted, None)
    return await select_tenant(runtime, session, chosen.tenant_id)
