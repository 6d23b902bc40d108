"""Running any action for an organisation: ``xero-wa run KEY --tenant NAME|ID`` and the API's
``tenant``.

The organisation (by name or tenant id) decides the connections: its Xero connection aimed at
its tenant, and, for an action that also takes a WhatsApp connection input (the reminder job),
its WhatsApp connection unless the caller gave one. With ``--connection`` too, that connection
is aimed at the tenant (which it must reach). Without either, the usual defaults apply, and
several stored Xero connections are ambiguous only when they reach several organisations
(``component.sessions``): the error then lists them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from component import errors, sessions
from component.oauth.tenants import select_tenant
from component.orgs.act import whatsapp_session, xero_session
from component.orgs.defaults import OrgDefaults
from component.orgs.find import find_org
from component.orgs.view import Organisation, load_all
from component.runtime import Runtime
from component.spec.loader import Loaded


@dataclass(frozen=True)
class Target:
    """What to hand the executor: the session (None: resolve as usual) and the inputs."""

    session: sessions.Session | None
    inputs: dict[str, Any] = field(default_factory=dict)


async def for_tenant(
    runtime: Runtime,
    defaults: OrgDefaults,
    loaded: Loaded[Any],
    inputs: dict[str, Any],
    connection: sessions.StoredOrInline | None,
    tenant: str | None,
) -> Target:
    """The session and inputs that run ``loaded`` for ``tenant`` (see module docstring)."""
    if tenant is None or not tenant.strip():
        return Target(None, inputs)
    family = loaded.spec.connection
    if family is None:
        raise errors.InputError.single(
            "tenant", f"{loaded.spec.key} uses no connection, so it runs for no organisation"
        )
    if connection is not None:
        session = await sessions.resolve(runtime, connection, family)
        if family != "xero":
            return Target(session, inputs)
        org_id = await _tenant_id(runtime, defaults, tenant)
        return Target(await select_tenant(runtime, session, org_id), inputs)
    org = await _organisation(runtime, defaults, tenant)
    if family == "whatsapp":
        return Target(await whatsapp_session(runtime, org), inputs)
    session = await xero_session(runtime, org)
    filled = dict(inputs)
    for spec_input in loaded.spec.inputs:
        wants_whatsapp = spec_input.type == "connection" and "whatsappCloud" in (
            spec_input.connections or []
        )
        if wants_whatsapp and filled.get(spec_input.key) in (None, ""):
            if org.whatsapp.name is None:
                raise errors.ConnectionError(
                    f"{org.name}: {org.whatsapp.problem}", reconnect=org.whatsapp.fix
                )
            filled[spec_input.key] = org.whatsapp.name
    if loaded.spec.key == "sendPaymentReminders" and not filled.get("tenant"):
        filled["tenant"] = org.tenant_id
    return Target(session, filled)


async def _organisation(runtime: Runtime, defaults: OrgDefaults, wanted: str) -> Organisation:
    orgs = await asyncio.to_thread(load_all, runtime, defaults)
    return find_org(orgs, wanted, "tenant")


async def _tenant_id(runtime: Runtime, defaults: OrgDefaults, wanted: str) -> str:
    """A name becomes its tenant id; an id not (yet) known as an organisation passes as is."""
    orgs = await asyncio.to_thread(load_all, runtime, defaults)
    try:
        return find_org(orgs, wanted, "tenant").tenant_id
    except errors.InputError:
        if any(ch.isspace() for ch in wanted) or not orgs:
            raise
        return wanted.strip()
