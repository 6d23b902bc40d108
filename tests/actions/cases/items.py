"""Item actions: prices are strings in the reference component and numbers in Xero."""

from __future__ import annotations

from tests.actions.harness import Case, Exchange, envelope

ITEM_ID = "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f"
ITEM = {"ItemID": ITEM_ID, "Code": "COT-500", "Name": "Cotton fabric"}
HISTORY = envelope(HistoryRecords=[{"Details": "Mill price list for June applied."}])

CASES = [
    Case(
        "createItem",
        {
            "itemCode": "COT-500",
            "itemName": "Cotton fabric",
            "description": "Cotton fabric, 150 cm wide, per metre",
            "purchaseDescription": "Raw cotton fabric from the mill, per metre",
            "isSold": True,
            "isPurchased": "true",
            "salesUnitPrice": "82.20",
            "salesAccountCode": "200",
            "salesTaxType": "OUTPUT",
            "purchaseUnitPrice": "61",
            "purchaseAccountCode": "300",
            "purchaseTaxType": "INPUT",
        },
        [
            Exchange(
                "PUT",
                "/Items",
                body={
                    "Items": [
                        {
                            "Code": "COT-500",
                            "Name": "Cotton fabric",
                            "Description": "Cotton fabric, 150 cm wide, per metre",
                            "PurchaseDescription": "Raw cotton fabric from the mill, per metre",
                            "IsSold": True,
                            "IsPurchased": True,
                            "PurchaseDetails": {
                                "UnitPrice": 61,
                                "AccountCode": "300",
                                "TaxType": "INPUT",
                            },
                            "SalesDetails": {
                                "UnitPrice": 82.2,
                                "AccountCode": "200",
                                "TaxType": "OUTPUT",
                            },
                        }
                    ]
                },
                response=envelope(Items=[ITEM]),
            )
        ],
        name="unit prices sent as numbers",
    ),
    Case(
        "createItem",
        {"itemCode": "SVC-DYE"},
        [
            Exchange(
                "PUT",
                "/Items",
                body={"Items": [{"Code": "SVC-DYE", "IsSold": False, "IsPurchased": False}]},
                response=envelope(Items=[ITEM]),
            )
        ],
        name="defaults only",
    ),
    Case(
        "updateItem",
        {
            "itemId": ITEM_ID,
            "itemCode": "COT-500",
            "salesUnitPrice": "85",
            "fieldValues": [{"key": "Name", "value": "Cotton fabric (premium)"}],
        },
        [
            Exchange(
                "POST",
                f"/Items/{ITEM_ID}",
                body={
                    "Items": [
                        {
                            "ItemID": ITEM_ID,
                            "Code": "COT-500",
                            "IsSold": False,
                            "IsPurchased": False,
                            "SalesDetails": {"UnitPrice": 85},
                            "Name": "Cotton fabric (premium)",
                        }
                    ]
                },
                response=envelope(Items=[ITEM]),
            )
        ],
    ),
    Case(
        "deleteItem",
        {"itemId": ITEM_ID},
        [Exchange("DELETE", f"/Items/{ITEM_ID}", status=204)],
        output=None,
    ),
    Case(
        "getItem",
        {"itemId": ITEM_ID},
        [Exchange("GET", f"/Items/{ITEM_ID}", response=envelope(Items=[ITEM]))],
    ),
    Case(
        "getItemHistory",
        {"itemId": ITEM_ID},
        [Exchange("GET", f"/Items/{ITEM_ID}/History", response=HISTORY)],
    ),
    Case(
        "addNoteToItem",
        {"itemId": ITEM_ID, "notes": "Mill price list for June applied."},
        [
            Exchange(
                "PUT",
                f"/Items/{ITEM_ID}/History",
                body={"HistoryRecords": [{"Details": "Mill price list for June applied."}]},
                response=HISTORY,
            )
        ],
    ),
    Case(
        "listItems",
        {"where": "IsSold==true", "modifiedAfter": "2026-06-01T00:00:00Z"},
        [
            Exchange(
                "GET",
                "/Items",
                query={"where": "IsSold==true"},
                headers={"If-Modified-Since": "2026-06-01T00:00:00Z"},
                response=envelope(Items=[ITEM]),
            )
        ],
    ),
]
