"""Organisation, tenants and raw requests against the sandbox."""

from __future__ import annotations

import pytest

from component import errors
from tests.actions.scenarios import scenario
from tests.xero.sandboxed import Sandboxed


@scenario("getOrganisation")
async def organisation(sb: Sandboxed) -> None:
    data = await sb.run("getOrganisation")
    assert data["Organisations"][0]["Name"] == "Demo Company (IN)"
    assert data["Organisations"][0]["Timezone"] == "INDIASTANDARDTIME"


@scenario("listConnections")
async def connections(sb: Sandboxed) -> None:
    data = await sb.run("listConnections")
    assert sb.connection["tenantId"] in [t["tenantId"] for t in data]


@scenario("rawRequest")
async def raw(sb: Sandboxed) -> None:
    data = await sb.run(
        "rawRequest",
        {
            "method": "GET",
            "url": "/Contacts",
            "queryParams": [
                {"key": "where", "value": 'Name.Contains("a")'},
                {"key": "page", "value": "1"},
            ],
        },
    )
    assert data["Contacts"]
    text = await sb.run(
        "rawRequest", {"method": "GET", "url": "/Organisation", "responseType": "text"}
    )
    assert '"Organisations"' in text
    with pytest.raises(errors.InputError) as info:
        await sb.run("rawRequest", {"method": "GET", "url": "https://evil.example/steal"})
    assert "only paths under the Xero API" in info.value.message
