"""Item actions against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from component import errors
from tests.actions.scenarios import scenario
from tests.xero.sandboxed import Sandboxed


async def new_item(sb: Sandboxed, code: str = "COT-500") -> dict[str, Any]:
    data = await sb.run(
        "createItem",
        {
            "itemCode": code,
            "itemName": "Cotton fabric",
            "description": "Cotton fabric, 150 cm wide, per metre",
            "isSold": True,
            "salesUnitPrice": "82.20",
            "salesAccountCode": "200",
        },
    )
    item: dict[str, Any] = data["Items"][0]
    return item


@scenario("createItem", "getItem")
async def create_and_get(sb: Sandboxed) -> None:
    created = await new_item(sb)
    got = (await sb.run("getItem", {"itemId": created["ItemID"]}))["Items"][0]
    assert got["Code"] == "COT-500"
    assert got["SalesDetails"]["UnitPrice"] == 82.2


@scenario("updateItem")
async def update(sb: Sandboxed) -> None:
    created = await new_item(sb)
    data = await sb.run(
        "updateItem",
        {
            "itemId": created["ItemID"],
            "itemCode": "COT-500",
            "salesUnitPrice": "85",
            "isSold": True,
        },
    )
    assert data["Items"][0]["SalesDetails"]["UnitPrice"] == 85


@scenario("addNoteToItem", "getItemHistory")
async def notes(sb: Sandboxed) -> None:
    created = await new_item(sb)
    note = "Mill price list for June applied."
    await sb.run("addNoteToItem", {"itemId": created["ItemID"], "notes": note})
    history = await sb.run("getItemHistory", {"itemId": created["ItemID"]})
    assert note in [r["Details"] for r in history["HistoryRecords"]]


@scenario("deleteItem")
async def delete(sb: Sandboxed) -> None:
    created = await new_item(sb, "TEMP-1")
    assert await sb.run("deleteItem", {"itemId": created["ItemID"]}) is None
    with pytest.raises(errors.UpstreamError) as info:
        await sb.run("getItem", {"itemId": created["ItemID"]})
    assert info.value.status == 404


@scenario("listItems")
async def list_items(sb: Sandboxed) -> None:
    everything = await sb.run("listItems")
    assert len(everything["Items"]) == len(sb.org.items)
    sold = await sb.run("listItems", {"where": "IsSold==true"})
    assert sold["Items"]
    assert all(i["IsSold"] for i in sold["Items"])
