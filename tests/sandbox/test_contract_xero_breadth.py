"""Contract tests for the sandbox's newer endpoints (contact groups, credit notes, quotes,
repeating invoices, bank transactions, reference data, reports, overpayments, prepayments):
each answer validates against ``xero_accounting.yaml`` with the same checker as
``test_contract_xero.py``, and every route of those modules is walked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from component.sandbox.state import SandboxState
from tests.sandbox.contract_breadth import breadth_routes
from tests.sandbox.test_contract_xero import Contract, contract, registry, specs

__all__ = ["contract", "registry", "specs"]
pytestmark = pytest.mark.anyio
API = "/api.xro/2.0"


class Walk:
    def __init__(self, client: httpx.AsyncClient, h: dict[str, str], contract: Contract) -> None:
        self.client, self.h, self.contract = client, h, contract

    async def __call__(self, method: str, path: str, spec_path: str, **kw: Any) -> httpx.Response:
        response = await self.client.request(method, API + path, headers=self.h, **kw)
        assert response.status_code < 500, response.text
        self.contract.response(method, spec_path, response)
        return response


async def test_every_breadth_endpoint_matches_the_spec(
    client: httpx.AsyncClient, h: dict[str, str], contract: Contract, sandbox: SandboxState
) -> None:
    check = Walk(client, h, contract)
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    contact_id = next(iter(org.contacts))
    # contact groups
    made = await check(
        "PUT", "/ContactGroups", "/ContactGroups", json={"ContactGroups": [{"Name": "VIP"}]}
    )
    group = made.json()["ContactGroups"][0]["ContactGroupID"]
    one = "/ContactGroups/{ContactGroupID}"
    await check("GET", "/ContactGroups", "/ContactGroups")
    members = {"Contacts": [{"ContactID": contact_id}]}
    await check("PUT", f"/ContactGroups/{group}/Contacts", one + "/Contacts", json=members)
    await check("GET", f"/ContactGroups/{group}", one)
    await check(
        "DELETE", f"/ContactGroups/{group}/Contacts/{contact_id}", one + "/Contacts/{ContactID}"
    )
    await check("DELETE", f"/ContactGroups/{group}/Contacts", one + "/Contacts")
    await check("POST", f"/ContactGroups/{group}", one, json={"ContactGroups": [{"Name": "VIPs"}]})
    assert breadth_routes(sandbox) - contract.checked == set(), "routes without a contract check"
