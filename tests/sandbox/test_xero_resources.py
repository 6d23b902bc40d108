"""Contacts, Items, Accounts, Payments and Organisation, with Xero's shapes and rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from component.sandbox.state import SandboxState

pytestmark = pytest.mark.anyio
API = "/api.xro/2.0"


async def authorised_invoice(
    client: httpx.AsyncClient, h: dict[str, str], amount: float = 1000
) -> dict[str, Any]:
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"Name": "Payer"},
                "Status": "AUTHORISED",
                "DueDate": "2026-08-01",
                "LineAmountTypes": "NoTax",
                "LineItems": [{"Description": "Work", "UnitAmount": amount}],
            }
        ]
    }
    response = await client.put(f"{API}/Invoices", json=body, headers=h)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()["Invoices"][0]
    return invoice


# -- contacts ---------------------------------------------------------------------------------


async def test_contacts_are_paged_and_hide_archived(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    active = [c for c in org.contacts.values() if c.status == "ACTIVE"]
    body = (
        await client.get(f"{API}/Contacts", params={"page": 1, "pageSize": 10}, headers=h)
    ).json()
    assert body["pagination"] == {
        "page": 1,
        "pageSize": 10,
        "pageCount": -(-len(active) // 10),
        "itemCount": len(active),
    }
    everything = (
        await client.get(f"{API}/Contacts", params={"includeArchived": "true"}, headers=h)
    ).json()["Contacts"]
    assert len(everything) == len(org.contacts)


async def test_contact_phones_come_back_in_the_four_field_shape(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    created = await client.put(
        f"{API}/Contacts",
        json={
            "Contacts": [
                {
                    "Name": "Ravi Kumar",
                    "EmailAddress": "ravi@example.com",
                    "Phones": [
                        {
                            "PhoneType": "MOBILE",
                            "PhoneNumber": "98765 43210",
                            "PhoneCountryCode": "91",
                        }
                    ],
                }
            ]
        },
        headers=h,
    )
    contact = created.json()["Contacts"][0]
    assert contact["Phones"] == [
        {"PhoneType": "DEFAULT"},
        {"PhoneType": "DDI"},
        {"PhoneType": "FAX"},
        {"PhoneType": "MOBILE", "PhoneNumber": "98765 43210", "PhoneCountryCode": "91"},
    ]
    url = f"{API}/Contacts/{contact['ContactID']}"
    updated = await client.post(
        url,
        json={
            "Contacts": [
                {
                    "Phones": [
                        {"PhoneType": "DEFAULT", "PhoneNumber": "2345 6789", "PhoneAreaCode": "022"}
                    ]
                }
            ]
        },
        headers=h,
    )
    phones = {p["PhoneType"]: p for p in updated.json()["Contacts"][0]["Phones"]}
    assert phones["MOBILE"]["PhoneNumber"] == "98765 43210"
    assert phones["DEFAULT"]["PhoneAreaCode"] == "022"


async def test_contact_names_must_be_unique_and_archive_hides(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    first = (await client.put(f"{API}/Contacts", json={"Name": "Unique Co"}, headers=h)).json()
    duplicate = await client.put(
        f"{API}/Contacts", json={"Contacts": [{"Name": "unique co"}]}, headers=h
    )
    assert duplicate.status_code == 400
    message = duplicate.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    assert "must be unique across all active contacts" in message
    contact_id = first["Contacts"][0]["ContactID"]
    archived = await client.post(
        f"{API}/Contacts/{contact_id}",
        json={"Contacts": [{"ContactStatus": "ARCHIVED"}]},
        headers=h,
    )
    assert archived.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    listing = (
        await client.get(f"{API}/Contacts", params={"where": 'Name=="Unique Co"'}, headers=h)
    ).json()["Contacts"]
    assert listing == []
    assert (
        await client.put(f"{API}/Contacts", json={"Name": "Unique Co"}, headers=h)
    ).status_code == 200
    assert (await client.delete(f"{API}/Contacts/{contact_id}", headers=h)).status_code == 405


async def test_contact_lookup_by_number_and_404(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    by_number = await client.get(f"{API}/Contacts/C00001", headers=h)
    assert by_number.status_code == 200
    assert by_number.json()["Contacts"][0]["ContactNumber"] == "C00001"
    assert (await client.get(f"{API}/Contacts/nope", headers=h)).status_code == 404


# -- items ------------------------------------------------------------------------------------


async def test_items_create_get_by_code_delete(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    created = await client.put(
        f"{API}/Items",
        json={"Items": [{"Code": "WIDGET", "Name": "Widget", "SalesDetails": {"UnitPrice": 12.5}}]},
        headers=h,
    )
    item = created.json()["Items"][0]
    assert item["SalesDetails"] == {"UnitPrice": 12.5}
    assert (await client.get(f"{API}/Items/WIDGET", headers=h)).json()["Items"][0]["ItemID"] == (
        item["ItemID"]
    )
    again = await client.put(f"{API}/Items", json={"Items": [{"Code": "widget"}]}, headers=h)
    assert again.status_code == 400
    deleted = await client.delete(f"{API}/Items/{item['ItemID']}", headers=h)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(f"{API}/Items/{item['ItemID']}", headers=h)).status_code == 404
    assert (await client.delete(f"{API}/Items/{item['ItemID']}", headers=h)).status_code == 404
    items = (await client.get(f"{API}/Items", params={"order": "Code DESC"}, headers=h)).json()
    codes = [i["Code"] for i in items["Items"]]
    assert codes == sorted(codes, reverse=True)
    assert "pagination" not in items


# -- accounts ---------------------------------------------------------------------------------


async def test_accounts_put_takes_one_object_then_archive_and_delete(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    created = await client.put(
        f"{API}/Accounts",
        json={"Code": "480", "Name": "Consulting Income", "Type": "REVENUE"},
        headers=h,
    )
    assert created.status_code == 200
    account = created.json()["Accounts"][0]
    assert account["Class"] == "REVENUE"
    assert account["Status"] == "ACTIVE"
    duplicate = await client.put(
        f"{API}/Accounts", json={"Code": "480", "Name": "Other", "Type": "REVENUE"}, headers=h
    )
    assert duplicate.status_code == 400
    url = f"{API}/Accounts/{account['AccountID']}"
    archived = await client.post(url, json={"Accounts": [{"Status": "ARCHIVED"}]}, headers=h)
    assert archived.json()["Accounts"][0]["Status"] == "ARCHIVED"
    deleted = await client.delete(url, headers=h)
    assert deleted.status_code == 200
    assert deleted.json()["Accounts"][0]["Status"] == "DELETED"
    assert (await client.get(url, headers=h)).status_code == 404
    bank = (
        await client.get(f"{API}/Accounts", params={"where": 'Type=="BANK"'}, headers=h)
    ).json()["Accounts"]
    assert len(bank) == 2
    debtors = (
        await client.get(f"{API}/Accounts", params={"where": 'SystemAccount=="DEBTORS"'}, headers=h)
    ).json()["Accounts"][0]
    refused = await client.delete(f"{API}/Accounts/{debtors['AccountID']}", headers=h)
    assert refused.status_code == 400


# -- payments ---------------------------------------------------------------------------------


async def test_payments_reduce_amount_due_pay_off_and_reverse(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    invoice = await authorised_invoice(client, h, 1000)
    url = f"{API}/Invoices/{invoice['InvoiceID']}"

    async def pay(amount: float) -> httpx.Response:
        return await client.put(
            f"{API}/Payments",
            json={
                "Payments": [
                    {
                        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                        "Account": {"Code": "090"},
                        "Date": "2026-07-14",
                        "Amount": amount,
                    }
                ]
            },
            headers=h,
        )

    first = await pay(400)
    assert first.status_code == 200
    assert (await client.get(url, headers=h)).json()["Invoices"][0]["AmountDue"] == 600.0
    too_much = await pay(700)
    assert too_much.status_code == 400
    assert too_much.json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Payment amount exceeds the amount outstanding on this document."
    )
    second = await pay(600)
    paid = (await client.get(url, headers=h)).json()["Invoices"][0]
    assert paid["Status"] == "PAID"
    assert paid["AmountDue"] == 0.0
    assert paid["AmountPaid"] == 1000.0
    assert paid["FullyPaidOnDate"] == "/Date(1783987200000+0000)/"
    payment_id = second.json()["Payments"][0]["PaymentID"]
    reversed_ = await client.post(
        f"{API}/Payments/{payment_id}", json={"Status": "DELETED"}, headers=h
    )
    assert reversed_.json()["Payments"][0]["Status"] == "DELETED"
    back = (await client.get(url, headers=h)).json()["Invoices"][0]
    assert back["Status"] == "AUTHORISED"
    assert back["AmountDue"] == 600.0
    again = await client.post(f"{API}/Payments/{payment_id}", json={"Status": "DELETED"}, headers=h)
    assert again.status_code == 400


async def test_a_payment_is_reversed_with_the_spec_examples_wrapped_body(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    """Issue 10 item 23: the official spec's own example body ``{"Payments": [{"Status":
    "DELETED"}]}`` (what the SDKs' delete_payment sends) reverses the payment, like the bare one."""
    invoice = await authorised_invoice(client, h, 1000)
    pay = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Amount": 1000,
    }
    paid = await client.put(f"{API}/Payments", json={"Payments": [pay]}, headers=h)
    payment_id = paid.json()["Payments"][0]["PaymentID"]
    wrapped = {"Payments": [{"Status": "DELETED"}]}
    reversed_ = await client.post(f"{API}/Payments/{payment_id}", json=wrapped, headers=h)
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["Payments"][0]["Status"] == "DELETED"
    back = (await client.get(f"{API}/Invoices/{invoice['InvoiceID']}", headers=h)).json()
    assert back["Invoices"][0]["Status"] == "AUTHORISED"
    assert back["Invoices"][0]["AmountDue"] == 1000.0
    other = {"Payments": [{"Status": "AUTHORISED"}]}
    refused = await client.post(f"{API}/Payments/{payment_id}", json=other, headers=h)
    assert refused.status_code == 400


async def test_payment_rules(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    draft = (
        await client.put(
            f"{API}/Invoices",
            json={
                "Invoices": [
                    {
                        "Type": "ACCREC",
                        "Contact": {"Name": "D"},
                        "LineItems": [{"Description": "x", "UnitAmount": 5}],
                    }
                ]
            },
            headers=h,
        )
    ).json()["Invoices"][0]
    cases = [
        (
            {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 1},
            "Payments can only be made against Authorised documents.",
        ),
        (
            {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "200"}, "Amount": 1},
            "Account type is invalid for making a payment to/from",
        ),
        ({"Account": {"Code": "090"}, "Amount": 1}, "You must specify an Invoice for the payment."),
    ]
    for payment, message in cases:
        response = await client.put(f"{API}/Payments", json={"Payments": [payment]}, headers=h)
        assert response.status_code == 400
        messages = [m["Message"] for m in response.json()["Elements"][0]["ValidationErrors"]]
        assert message in messages


async def test_payments_list_is_paged(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    body = (
        await client.get(f"{API}/Payments", params={"page": 1, "pageSize": 5}, headers=h)
    ).json()
    assert body["pagination"]["pageSize"] == 5
    assert len(body["Payments"]) == 5
    assert body["Payments"][0]["Invoice"]["InvoiceID"]


# -- organisation -----------------------------------------------------------------------------


async def test_organisation_has_country_currency_and_timezone(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    org = (await client.get(f"{API}/Organisation", headers=h)).json()["Organisations"][0]
    assert (org["CountryCode"], org["BaseCurrency"], org["Timezone"]) == (
        "IN",
        "INR",
        "INDIASTANDARDTIME",
    )


async def test_unknown_paths_and_methods_are_not_500(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    assert (await client.get(f"{API}/Nope", headers=h)).status_code == 404
    assert (await client.delete(f"{API}/Invoices", headers=h)).status_code == 405
