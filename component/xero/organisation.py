"""The organisation behind a tenant: its settings (cached) and what "today" means for it.

"Overdue as of today" must use the organisation's calendar day, not the server's: an Auckland
organisation's invoice due on the 7th is overdue from its 8th, which begins 13 hours before UTC's.
Xero reports ``Timezone`` as a Windows zone name written without spaces (``INDIASTANDARDTIME``);
CLDR's Windows→IANA table (shipped with babel) turns it into a zone Python knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from component import errors
from component.xero.client import XeroClient

#: How long an organisation's settings are reused before being read again.
CACHE_SECONDS = 3600.0

#: Xero names missing from CLDR's table (Xero drops the sign of the old "UTC-02" style names).
_EXTRA_ZONES = {
    "UTC02": "Etc/GMT+2",
    "UTC08": "Etc/GMT+8",
    "UTC09": "Etc/GMT+9",
    "UTC11": "Etc/GMT+11",
    "KAMCHATKASTANDARDTIME": "Asia/Kamchatka",
    "MIDATLANTICSTANDARDTIME": "Etc/GMT+2",
}


@dataclass
class _Cached:
    at: float
    organisation: dict[str, Any]


async def get_organisation(client: XeroClient) -> dict[str, Any]:
    """``GET /Organisation``'s organisation, cached per tenant for an hour."""
    cache_table: dict[str, _Cached] = client.runtime.shared_object("xero.organisations", dict)
    key = client.session.tenant_id or client.session.key
    now = client.runtime.clock.monotonic()
    cached = cache_table.get(key)
    if cached is not None and now - cached.at < CACHE_SECONDS:
        return cached.organisation
    body = await client.get_json("/Organisation", what="reading the organisation's settings")
    organisations = body.get("Organisations") if isinstance(body, dict) else None
    if not isinstance(organisations, list) or not organisations:
        raise errors.UpstreamError(
            "Xero's /Organisation answer has no organisation", errors.UpstreamInfo("xero", 200)
        )
    organisation: dict[str, Any] = organisations[0]
    cache_table[key] = _Cached(now, organisation)
    return organisation


def zone_for(xero_timezone: str | None) -> ZoneInfo:
    """The IANA zone of a Xero ``Timezone`` value; UTC when it is absent or unknown."""
    if xero_timezone:
        name = _windows_zones().get(_normalise(xero_timezone))
        if name is not None:
            try:
                return ZoneInfo(name)
            except ZoneInfoNotFoundError:
                pass
    return ZoneInfo("UTC")


async def organisation_today(client: XeroClient) -> date:
    """Today's date in the organisation's time zone, by the runtime's clock."""
    organisation = await get_organisation(client)
    zone = zone_for(organisation.get("Timezone"))
    return client.runtime.clock.now().astimezone(zone).date()


def _normalise(name: str) -> str:
    return re.sub(r"[^A-Z0-9+\-]", "", name.upper())


@cache
def _windows_zones() -> dict[str, str]:
    table: Mapping[str, str] = get_global("windows_zone_mapping")
    zones = {_normalise(windows): iana for windows, iana in table.items()}
    zones.update(_EXTRA_ZONES)
    return zones
