"""listConnections: Xero's tenant list, shared with tenant resolution so it is written once."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.xero.tenants import list_tenants


async def run(ctx: ActionContext) -> list[dict[str, Any]]:
    return await list_tenants(ctx.xero)
