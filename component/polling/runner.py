"""Run a polling trigger for an organisation: find the connection and the organisation, run the
engine, and (when asked) hand INVOICE and CONTACT events to the alerts worker's queue, exactly
as the webhook route would, so alerts treat a polled change and a webhook alike.

Used by ``xero-wa poll`` and by the service's scheduler.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from component import errors, sessions
from component.oauth.tenants import aim_at, fetch_tenants
from component.polling.engine import PollResult, run_trigger
from component.runtime import Runtime
from component.sessions import Session, StoredOrInline
from component.storage.events import NewEvent

#: The categories the alerts worker handles (the ones Xero's webhooks send).
QUEUED = ("INVOICE", "CONTACT")


def polling_triggers(runtime: Runtime) -> list[str]:
    """Keys of every polling trigger in the registry, sorted."""
    return sorted(k for k, t in runtime.registry.triggers.items() if t.spec.poll is not None)


async def poll(
    runtime: Runtime,
    key: str,
    *,
    connection: StoredOrInline | None = None,
    org: str | None = None,
    inputs: dict[str, Any] | None = None,
    queue: bool = False,
) -> PollResult:
    loaded = runtime.registry.trigger(key)
    spec = loaded.spec
    if spec.poll is None:
        raise errors.InputError.single(
            "trigger",
            f"{key} is a webhook trigger; polling triggers: {', '.join(polling_triggers(runtime))}",
        )
    values = _inputs(spec, inputs or {})
    session = await aim_at(runtime, await sessions.resolve(runtime, connection, "xero"), org)
    session = await _one_organisation(runtime, session)
    result = await run_trigger(runtime, session, spec, values)
    if queue:
        await asyncio.to_thread(enqueue, runtime, result)
    return result


def enqueue(runtime: Runtime, result: PollResult) -> int:
    """Queue the result's INVOICE and CONTACT events (with their records) for the worker."""
    rows = [
        NewEvent(
            tenant_id=e["tenantId"],
            category=e["eventCategory"],
            resource_id=e["resourceId"],
            event_type=e["eventType"],
            event_date=e["eventDateUtc"],
            resource_url=e["resourceUrl"],
            source=f"poll:{result.trigger}",
            payload=record,
        )
        for e, record in zip(result.events, result.records, strict=True)
        if e["eventCategory"] in QUEUED
    ]
    return runtime.store.events.enqueue(rows, runtime.clock.now()) if rows else 0


async def _one_organisation(runtime: Runtime, session: Session) -> Session:
    """The session aimed at one organisation: its own, or the only one it reaches (a custom
    connection names none in its token); several is a question for ``--org``."""
    if session.tenant_id:
        return session
    tenants = await fetch_tenants(runtime, session.auth)
    if len(tenants) == 1:
        return replace(session, tenant_id=tenants[0].tenant_id)
    names = ", ".join(f"{t.tenant_name} ({t.tenant_id})" for t in tenants) or "none"
    raise errors.InputError.single(
        "org", f"the connection reaches several organisations ({names}); choose one with --org"
    )


def _inputs(spec: Any, given: dict[str, Any]) -> dict[str, Any]:
    """The trigger's declared inputs with their defaults, cleaned like any invocation's."""
    from component.inputs import InputSet

    return InputSet(spec.inputs).clean(given, source="cli", context=f"trigger {spec.key}")
