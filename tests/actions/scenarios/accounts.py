"""Account actions against the sandbox."""

from __future__ import annotations

from typing import Any

from tests.actions.scenarios import scenario
from tests.xero.sandboxed import Sandboxed


async def new_account(sb: Sandboxed, code: str = "205") -> dict[str, Any]:
    data = await sb.run(
        "createAccount",
        {
            "accountCode": code,
            "accountName": f"Fabric Sales - Export {code}",
            "accountType": "REVENUE",
            "fieldValues": [{"key": "Description", "value": "Sales outside India"}],
        },
    )
    account: dict[str, Any] = data["Accounts"][0]
    return account


@scenario("createAccount", "getAccount")
async def create_and_get(sb: Sandboxed) -> None:
    created = await new_account(sb)
    got = (await sb.run("getAccount", {"accountId": created["AccountID"]}))["Accounts"][0]
    assert (got["Code"], got["Type"], got["Description"]) == (
        "205",
        "REVENUE",
        "Sales outside India",
    )


@scenario("updateAccount")
async def update(sb: Sandboxed) -> None:
    created = await new_account(sb)
    data = await sb.run(
        "updateAccount",
        {
            "accountId": created["AccountID"],
            "accountName": "Export Sales",
            "description": "Exports",
        },
    )
    assert data["Accounts"][0]["Name"] == "Export Sales"


@scenario("archiveAccount")
async def archive(sb: Sandboxed) -> None:
    created = await new_account(sb)
    data = await sb.run("archiveAccount", {"accountId": created["AccountID"]})
    assert data["Accounts"][0]["Status"] == "ARCHIVED"


@scenario("deleteAccount")
async def delete(sb: Sandboxed) -> None:
    created = await new_account(sb, "206")
    data = await sb.run("deleteAccount", {"accountId": created["AccountID"]})
    assert data["Accounts"][0]["Status"] == "DELETED"


@scenario("listAccounts")
async def list_accounts(sb: Sandboxed) -> None:
    banks = await sb.run("listAccounts", {"where": 'Type=="BANK"'})
    assert banks["Accounts"]
    assert {a["Type"] for a in banks["Accounts"]} == {"BANK"}
