"""Contact actions: create, update, archive (no DELETE exists), read, list."""

from __future__ import annotations

from tests.actions.harness import Case, Exchange, envelope

CONTACT_ID = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
CONTACT = {"ContactID": CONTACT_ID, "Name": "Priya Textiles", "ContactStatus": "ACTIVE"}
ADDRESS_INPUTS = {
    "address": "14 Linking Road, Bandra West",
    "addressType": "POBOX",
    "city": "Mumbai",
    "region": "Maharashtra",
    "postalCode": "400050",
    "country": "India",
}
ADDRESS = {
    "AddressType": "POBOX",
    "AddressLine1": "14 Linking Road, Bandra West",
    "City": "Mumbai",
    "Region": "Maharashtra",
    "PostalCode": "400050",
    "Country": "India",
}
PHONES = [{"PhoneType": "MOBILE", "PhoneCountryCode": "91", "PhoneNumber": "9820012345"}]

CASES = [
    Case(
        "createContact",
        {
            "contactName": "Priya Textiles",
            "firstName": "Priya",
            "lastName": "Menon",
            "email": "accounts@priyatextiles.in",
            "contactStatus": "ACTIVE",
            "defaultCurrency": "INR",
            "taxNumber": "27AAPFU0939F1ZV",
            "accountsPayableTaxType": "INPUT",
            "accountsReceivableTaxType": "OUTPUT",
            "bankAccountDetails": "50100234567890",
            **ADDRESS_INPUTS,
            "additionalFields": '{"Phones": [{"PhoneType": "MOBILE", "PhoneCountryCode": "91", '
            '"PhoneNumber": "9820012345"}]}',
        },
        [
            Exchange(
                "PUT",
                "/Contacts",
                body={
                    "Contacts": [
                        {
                            "Name": "Priya Textiles",
                            "FirstName": "Priya",
                            "LastName": "Menon",
                            "EmailAddress": "accounts@priyatextiles.in",
                            "ContactStatus": "ACTIVE",
                            "DefaultCurrency": "INR",
                            "TaxNumber": "27AAPFU0939F1ZV",
                            "AccountsPayableTaxType": "INPUT",
                            "AccountsReceivableTaxType": "OUTPUT",
                            "BankAccountDetails": "50100234567890",
                            "Addresses": [ADDRESS],
                            "Phones": PHONES,
                        }
                    ]
                },
                response=envelope(Contacts=[CONTACT]),
            )
        ],
        name="every input, additional fields merged",
    ),
    Case(
        "createContact",
        {"contactName": "Kavya Exports"},
        [
            Exchange(
                "PUT",
                "/Contacts",
                body={"Contacts": [{"Name": "Kavya Exports"}]},
                response=envelope(Contacts=[CONTACT]),
            )
        ],
        name="name only: no empty address is sent",
    ),
    Case(
        "updateContact",
        {"contactId": CONTACT_ID, "contactNumber": "CUST-0042", "email": "ap@priyatextiles.in"},
        [
            Exchange(
                "POST",
                f"/Contacts/{CONTACT_ID}",
                body={
                    "Contacts": [
                        {
                            "ContactID": CONTACT_ID,
                            "ContactNumber": "CUST-0042",
                            "EmailAddress": "ap@priyatextiles.in",
                        }
                    ]
                },
                response=envelope(Contacts=[CONTACT]),
            )
        ],
    ),
    Case(
        "archiveContact",
        {"contactId": CONTACT_ID},
        [
            Exchange(
                "POST",
                f"/Contacts/{CONTACT_ID}",
                body={"Contacts": [{"ContactID": CONTACT_ID, "ContactStatus": "ARCHIVED"}]},
                response=envelope(Contacts=[{**CONTACT, "ContactStatus": "ARCHIVED"}]),
            )
        ],
    ),
    Case(
        "getContact",
        {"contactId": CONTACT_ID},
        [Exchange("GET", f"/Contacts/{CONTACT_ID}", response=envelope(Contacts=[CONTACT]))],
    ),
    Case(
        "getContactHistory",
        {"contactId": CONTACT_ID},
        [
            Exchange(
                "GET",
                f"/Contacts/{CONTACT_ID}/History",
                response=envelope(HistoryRecords=[{"Changes": "Created", "Details": "Created."}]),
            )
        ],
    ),
    Case(
        "listContacts",
        {"page": "3", "where": 'Name.Contains("Textiles")', "modifiedAfter": "2026-06-01"},
        [
            Exchange(
                "GET",
                "/Contacts",
                query={"where": 'Name.Contains("Textiles")', "page": "3"},
                headers={"If-Modified-Since": "2026-06-01T00:00:00Z"},
                response=envelope(Contacts=[CONTACT]),
            )
        ],
    ),
    Case(
        "listContacts",
        {"fetchAll": "true"},
        [
            Exchange(
                "GET",
                "/Contacts",
                query={"page": "1", "pageSize": "1000"},
                response=envelope(
                    pagination={"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 1},
                    Contacts=[CONTACT],
                ),
            )
        ],
        name="fetchAll with one page makes one call",
    ),
]
