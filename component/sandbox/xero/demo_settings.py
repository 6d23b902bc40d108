"""The demo organisation's settings lists and seeded documents, kept as Xero's JSON: tax rates
(from the organisation's rate), a tracking category with options, currencies, branding themes,
and a repeating invoice, an overpayment and a prepayment per organisation with contacts.

Deterministic like the rest of the demo: every id comes from the tenant's seeded ``rng``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from component.sandbox.xero.envelope import date_string, ms_date
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import money

CURRENCY_NAMES = {
    "INR": "Indian Rupee",
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "Pound Sterling",
    "NZD": "New Zealand Dollar",
    "AUD": "Australian Dollar",
    "JPY": "Japanese Yen",
}


def seed_settings(org: Org, rng: random.Random, now: datetime) -> None:
    percent = round(org.tax_rate * 100, 4)
    org.settings["TaxRates"] = [
        _tax("Tax on Sales", "OUTPUT", "OUTPUT", percent, revenue=True),
        _tax("Tax on Purchases", "INPUT", "INPUT", percent, revenue=False),
        _tax("Tax Exempt", "NONE", "NONE", 0.0, revenue=True),
    ]
    category = _id(rng)
    org.settings["TrackingCategories"] = [
        {
            "TrackingCategoryID": category,
            "Name": "Region",
            "Status": "ACTIVE",
            "Options": [
                {"TrackingOptionID": _id(rng), "Name": name, "Status": "ACTIVE"}
                for name in ("North", "South", "West")
            ],
        }
    ]
    org.settings["Currencies"] = [
        {"Code": code, "Description": CURRENCY_NAMES.get(code, code)} for code in org.currencies
    ]
    org.settings["BrandingThemes"] = [
        {
            "BrandingThemeID": _id(rng),
            "Name": name,
            "Type": "INVOICE",
            "SortOrder": order,
            "CreatedDateUTC": ms_date(now - timedelta(days=400)),
        }
        for order, name in enumerate(("Standard", "Special Projects"))
    ]


def seed_documents(org: Org, rng: random.Random, today: date, now: datetime) -> None:
    contacts = list(org.contacts.values())[:3]
    if len(contacts) < 3:
        return
    line = {
        "Description": "Monthly fabric supply",
        "Quantity": 1.0,
        "UnitAmount": 10000.0,
        "AccountCode": "200",
        "TaxType": "OUTPUT",
        "LineAmount": 10000.0,
    }
    tax = money(10000.0 * org.tax_rate)
    start = today.replace(day=1)
    repeating_id = _id(rng)
    org.docs["RepeatingInvoices"] = {
        repeating_id: {
            "Type": "ACCREC",
            "RepeatingInvoiceID": repeating_id,
            "ID": repeating_id,
            "Contact": {"ContactID": contacts[0].contact_id, "Name": contacts[0].name},
            "Schedule": {
                "Period": 1,
                "Unit": "MONTHLY",
                "DueDate": 20,
                "DueDateType": "OFFOLLOWINGMONTH",
                "StartDate": ms_date(start),
                "NextScheduledDate": ms_date(_next_month(start)),
            },
            "LineItems": [line],
            "LineAmountTypes": "Exclusive",
            "Reference": "Monthly supply",
            "CurrencyCode": org.base_currency,
            "Status": "AUTHORISED",
            "SubTotal": 10000.0,
            "TotalTax": tax,
            "Total": money(10000.0 + tax),
            "HasAttachments": False,
        }
    }
    for name, kind, contact, amount in (
        ("Overpayments", "RECEIVE-OVERPAYMENT", contacts[1], 2500.0),
        ("Prepayments", "RECEIVE-PREPAYMENT", contacts[2], 5000.0),
    ):
        doc_id = _id(rng)
        day = today - timedelta(days=10)
        doc: dict[str, Any] = {
            "Type": kind,
            f"{name[:-1]}ID": doc_id,
            "Contact": {"ContactID": contact.contact_id, "Name": contact.name},
            "Date": ms_date(day),
            "DateString": date_string(day),
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {
                    **line,
                    "Description": f"{name[:-1]} received",
                    "UnitAmount": amount,
                    "LineAmount": amount,
                    "TaxType": "NONE",
                }
            ],
            "SubTotal": amount,
            "TotalTax": 0.0,
            "Total": amount,
            "UpdatedDateUTC": ms_date(now),
            "CurrencyCode": org.base_currency,
            "CurrencyRate": 1.0,
            "RemainingCredit": amount,
            "Allocations": [],
            "Payments": [],
            "HasAttachments": False,
        }
        org.docs[name] = {doc_id: doc}


def _tax(name: str, tax_type: str, report: str, percent: float, *, revenue: bool) -> dict[str, Any]:
    return {
        "Name": name,
        "TaxType": tax_type,
        "ReportTaxType": report,
        "Status": "ACTIVE",
        "TaxComponents": [
            {"Name": name, "Rate": percent, "IsCompound": False, "IsNonRecoverable": False}
        ],
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": not revenue,
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": revenue,
        "DisplayTaxRate": percent,
        "EffectiveRate": percent,
    }


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _id(rng: random.Random) -> str:
    from component.sandbox.xero.demo import new_id

    return new_id(rng)
