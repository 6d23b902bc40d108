"""ContactGroups in the sandbox (issue 10 item 28): list, get with contacts, add/remove members."""

from __future__ import annotations

import httpx
import pytest

from component.sandbox.state import SandboxState

pytestmark = pytest.mark.anyio
API = "/api.xro/2.0/ContactGroups"


async def test_a_group_is_created_filled_read_emptied_and_deleted(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    first, second = list(org.contacts)[:2]
    made = await client.put(
        API, json={"ContactGroups": [{"Name": "No WhatsApp reminders"}]}, headers=h
    )
    group = made.json()["ContactGroups"][0]
    assert group["Status"] == "ACTIVE"
    assert "Contacts" not in group
    url = f"{API}/{group['ContactGroupID']}"
    added = await client.put(
        f"{url}/Contacts",
        json={"Contacts": [{"ContactID": first}, {"ContactID": second}]},
        headers=h,
    )
    assert [c["ContactID"] for c in added.json()["Contacts"]] == [first, second]
    again = await client.put(
        f"{url}/Contacts", json={"Contacts": [{"ContactID": first}]}, headers=h
    )
    assert again.status_code == 200
    read = (await client.get(url, headers=h)).json()["ContactGroups"][0]
    assert [c["ContactID"] for c in read["Contacts"]] == [first, second]
    assert read["Contacts"][0]["Name"] == org.contacts[first].name
    listed = (await client.get(API, headers=h)).json()["ContactGroups"]
    assert [g["Name"] for g in listed] == ["No WhatsApp reminders"]
    assert "Contacts" not in listed[0]
    assert (await client.delete(f"{url}/Contacts/{first}", headers=h)).status_code == 204
    assert (await client.delete(f"{url}/Contacts/{first}", headers=h)).status_code == 400
    read = (await client.get(url, headers=h)).json()["ContactGroups"][0]
    assert [c["ContactID"] for c in read["Contacts"]] == [second]
    assert (await client.delete(f"{url}/Contacts", headers=h)).status_code == 204
    assert (await client.get(url, headers=h)).json()["ContactGroups"][0]["Contacts"] == []
    gone = await client.post(url, json={"ContactGroups": [{"Status": "DELETED"}]}, headers=h)
    assert gone.json()["ContactGroups"][0]["Status"] == "DELETED"
    assert (await client.get(API, headers=h)).json()["ContactGroups"] == []
    assert (await client.get(url, headers=h)).status_code == 404


async def test_group_rules(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    made = await client.put(API, json={"ContactGroups": [{"Name": "Wholesale"}]}, headers=h)
    url = f"{API}/{made.json()['ContactGroups'][0]['ContactGroupID']}"
    twin = await client.put(API, json={"ContactGroups": [{"Name": "wholesale"}]}, headers=h)
    assert twin.status_code == 400
    assert "already exists" in twin.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    nameless = await client.put(API, json={"ContactGroups": [{"Name": " "}]}, headers=h)
    assert nameless.status_code == 400
    unknown = {"Contacts": [{"ContactID": "00000000-0000-0000-0000-000000000000"}]}
    assert (await client.put(f"{url}/Contacts", json=unknown, headers=h)).status_code == 400
    assert (
        await client.get(f"{API}/00000000-0000-0000-0000-000000000000", headers=h)
    ).status_code == 404
    where = await client.get(API, params={"where": 'Name=="Wholesale"'}, headers=h)
    assert len(where.json()["ContactGroups"]) == 1
