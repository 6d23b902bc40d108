"""Running an action or a data source for a page, against the organisation it shows.

A Xero action runs through the stored connection that reaches the organisation, aimed at its
tenant; a WhatsApp action through the stored (or configured) WhatsApp connection. The executor
does the rest, exactly as for the CLI and the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from component import errors, sessions
from component.executor import Executor, Kind
from component.oauth.tenants import select_tenant
from component.runtime import Runtime
from component.web.orgs import Org


async def session_for(
    runtime: Runtime, family: str | None, org: Org | None
) -> sessions.Session | None:
    """The session an invocation of a ``family`` spec uses for ``org`` (None: the default)."""
    if family == "xero" and org is not None:
        if org.connection is None:
            choice = org.view.xero
            raise errors.ConnectionError(
                f"no working Xero connection reaches {org.label}: {choice.problem or choice.why}",
                reconnect=choice.fix or "reconnect Xero on the Connections page",
            )
        session = await sessions.resolve(runtime, org.connection, "xero")
        return await select_tenant(runtime, session, org.tenant_id)
    return None


async def invoke(
    executor: Executor,
    key: str,
    raw: Mapping[str, Any],
    org: Org | None,
    *,
    kind: Kind = "action",
) -> Any:
    """``{"data": ...}`` of the action or data source; raises XeroWaError like the executor."""
    prepared = executor.prepare(key, kind)
    family = prepared.loaded.spec.connection
    session = await session_for(executor.runtime, family, org)
    connection = org.connection if family == "xero" and org is not None else None
    return await executor.invoke(
        key, dict(raw), connection, kind=kind, source="cli", session=session
    )
