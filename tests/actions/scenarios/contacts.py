"""Contact actions against the sandbox."""

from __future__ import annotations

from typing import Any

from tests.actions.scenarios import scenario
from tests.xero.sandboxed import Sandboxed


async def new_contact(sb: Sandboxed, name: str = "Kavya Exports") -> dict[str, Any]:
    data = await sb.run(
        "createContact",
        {
            "contactName": name,
            "email": "accounts@kavyaexports.in",
            "firstName": "Kavya",
            "lastName": "Iyer",
            "address": "22 MG Road",
            "addressType": "POBOX",
            "city": "Bengaluru",
            "country": "India",
            "additionalFields": {
                "Phones": [
                    {"PhoneType": "MOBILE", "PhoneCountryCode": "91", "PhoneNumber": "9845012345"}
                ]
            },
        },
    )
    contact: dict[str, Any] = data["Contacts"][0]
    return contact


@scenario("createContact", "getContact")
async def create_and_get(sb: Sandboxed) -> None:
    created = await new_contact(sb)
    got = (await sb.run("getContact", {"contactId": created["ContactID"]}))["Contacts"][0]
    assert got["Name"] == "Kavya Exports"
    assert got["EmailAddress"] == "accounts@kavyaexports.in"
    mobile = next(p for p in got["Phones"] if p["PhoneType"] == "MOBILE")
    assert mobile["PhoneNumber"] == "9845012345"
    assert any(a.get("City") == "Bengaluru" for a in got["Addresses"])


@scenario("updateContact")
async def update(sb: Sandboxed) -> None:
    created = await new_contact(sb)
    data = await sb.run(
        "updateContact",
        {
            "contactId": created["ContactID"],
            "contactNumber": "CUST-0042",
            "taxNumber": "29ABCDE1234F1Z5",
        },
    )
    assert data["Contacts"][0]["ContactNumber"] == "CUST-0042"
    assert sb.org.contacts[created["ContactID"]].name == "Kavya Exports"


@scenario("archiveContact")
async def archive(sb: Sandboxed) -> None:
    created = await new_contact(sb)
    data = await sb.run("archiveContact", {"contactId": created["ContactID"]})
    assert data["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert sb.org.contacts[created["ContactID"]].status == "ARCHIVED"


@scenario("getContactHistory")
async def history(sb: Sandboxed) -> None:
    created = await new_contact(sb)
    await sb.run("updateContact", {"contactId": created["ContactID"], "email": "ap@kavya.in"})
    data = await sb.run("getContactHistory", {"contactId": created["ContactID"]})
    assert data["HistoryRecords"]


@scenario("listContacts")
async def list_contacts(sb: Sandboxed) -> None:
    active = sum(1 for c in sb.org.contacts.values() if c.status == "ACTIVE")
    everything = await sb.run("listContacts", {"fetchAll": True})
    assert len(everything["Contacts"]) == active
    found = await sb.run("listContacts", {"where": 'Name.Contains("a")', "page": "1"})
    assert all("a" in c["Name"].lower() for c in found["Contacts"])
