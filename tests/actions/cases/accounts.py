"""Account actions: PUT /Accounts takes one object; archive is a POST; delete is a DELETE."""

from __future__ import annotations

from tests.actions.harness import Case, Exchange, envelope

ACCOUNT_ID = "2f6e1d3c-4b5a-4c9d-8e7f-6a5b4c3d2e1f"
ACCOUNT = {"AccountID": ACCOUNT_ID, "Code": "205", "Name": "Fabric Sales - Export"}

CASES = [
    Case(
        "createAccount",
        {
            "accountCode": "091",
            "accountName": "HDFC Current Account",
            "accountType": "BANK",
            "bankAccountNumber": "50100234567890",
            "fieldValues": [
                {"key": "BankAccountType", "value": "BANK"},
                {"key": "CurrencyCode", "value": "INR"},
            ],
        },
        [
            Exchange(
                "PUT",
                "/Accounts",
                body={
                    "Code": "091",
                    "Name": "HDFC Current Account",
                    "Type": "BANK",
                    "BankAccountNumber": "50100234567890",
                    "ShowInExpenseClaims": False,
                    "BankAccountType": "BANK",
                    "CurrencyCode": "INR",
                },
                response=envelope(Accounts=[ACCOUNT]),
            )
        ],
        name="one Account object, optional values merged",
    ),
    Case(
        "updateAccount",
        {
            "accountId": ACCOUNT_ID,
            "description": "Sales of fabric to customers outside India",
            "purchaseTaxType": "EXEMPTEXPORT",
        },
        [
            Exchange(
                "POST",
                f"/Accounts/{ACCOUNT_ID}",
                body={
                    "Accounts": [
                        {
                            "AccountID": ACCOUNT_ID,
                            "Description": "Sales of fabric to customers outside India",
                            "EnablePaymentsToAccount": False,
                            "TaxType": "EXEMPTEXPORT",
                            "ShowInExpenseClaims": False,
                        }
                    ]
                },
                response=envelope(Accounts=[ACCOUNT]),
            )
        ],
    ),
    Case(
        "archiveAccount",
        {"accountId": ACCOUNT_ID},
        [
            Exchange(
                "POST",
                f"/Accounts/{ACCOUNT_ID}",
                body={"Accounts": [{"AccountID": ACCOUNT_ID, "Status": "ARCHIVED"}]},
                response=envelope(Accounts=[{**ACCOUNT, "Status": "ARCHIVED"}]),
            )
        ],
    ),
    Case(
        "deleteAccount",
        {"accountId": ACCOUNT_ID},
        [
            Exchange(
                "DELETE",
                f"/Accounts/{ACCOUNT_ID}",
                response=envelope(Accounts=[{**ACCOUNT, "Status": "DELETED"}]),
            )
        ],
    ),
    Case(
        "getAccount",
        {"accountId": ACCOUNT_ID},
        [Exchange("GET", f"/Accounts/{ACCOUNT_ID}", response=envelope(Accounts=[ACCOUNT]))],
    ),
    Case(
        "listAccounts",
        {"where": 'Type=="BANK"'},
        [
            Exchange(
                "GET",
                "/Accounts",
                query={"where": 'Type=="BANK"'},
                response=envelope(Accounts=[ACCOUNT]),
            )
        ],
    ),
]
