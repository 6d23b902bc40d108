"""Xero's tenant list (``GET /connections``): used by listConnections and by tenant resolution."""

from __future__ import annotations

from typing import Any

from component import errors
from component.xero.client import XeroClient


async def list_tenants(client: XeroClient) -> list[dict[str, Any]]:
    """Every organisation the token may access, as Xero returns them."""
    body = await client.get_json(
        "", service="connections", tenant=False, what="listing Xero tenants"
    )
    if not isinstance(body, list):
        raise errors.UpstreamError(
            "Xero's /connections answer is not a list", errors.UpstreamInfo("xero", 200)
        )
    return body


def pick_tenant(tenants: list[dict[str, Any]], wanted: str) -> list[dict[str, Any]]:
    """Tenants whose id equals ``wanted`` or whose name equals it, ignoring case."""
    wanted_folded = wanted.strip().casefold()
    by_id = [t for t in tenants if str(t.get("tenantId", "")).casefold() == wanted_folded]
    if by_id:
        return by_id
    return [t for t in tenants if str(t.get("tenantName", "")).strip().casefold() == wanted_folded]
