"""Names and phone numbers for demo contacts, with the mess real Xero data has.

Xero stores phones as four free-text fields, and people fill them in every possible way: with and
without a country code (in the number or in PhoneCountryCode), with trunk zeros, spaces, dashes and
brackets, landlines in the MOBILE slot, nothing at all, or rubbish. A reminder job that only copes
with tidy E.164 numbers fails on day one, so the demo org has all of it, in fixed proportions.
"""

from __future__ import annotations

import random

from component.sandbox.xero.records import Phone

FIRST = {
    "IN": [
        "Aarav",
        "Priya",
        "Rohan",
        "Ananya",
        "Vikram",
        "Meera",
        "Arjun",
        "Kavya",
        "Sanjay",
        "Divya",
        "Rahul",
        "Sneha",
        "Aditya",
        "Pooja",
        "Karan",
        "Neha",
        "Ishaan",
        "Lakshmi",
    ],
    "NZ": [
        "Olivia",
        "Jack",
        "Aroha",
        "Liam",
        "Mia",
        "Noah",
        "Tama",
        "Isla",
        "Oliver",
        "Ruby",
        "Wiremu",
        "Charlotte",
        "Hemi",
        "Amelia",
    ],
}
LAST = {
    "IN": [
        "Sharma",
        "Patel",
        "Iyer",
        "Reddy",
        "Nair",
        "Gupta",
        "Mehta",
        "Das",
        "Kapoor",
        "Rao",
        "Singh",
        "Menon",
        "Joshi",
        "Bose",
    ],
    "NZ": [
        "Smith",
        "Ngata",
        "Williams",
        "Brown",
        "Parata",
        "Wilson",
        "Taylor",
        "Walker",
        "Tane",
        "Thompson",
    ],
}
COMPANY_WORDS = [
    "Traders",
    "Enterprises",
    "Textiles",
    "Foods",
    "Logistics",
    "Pharma",
    "Motors",
    "Studios",
    "Builders",
    "Exports",
    "Electricals",
    "Solutions",
]
CALLING_CODES = {"IN": "91", "NZ": "64", "AU": "61", "GB": "44", "US": "1"}

#: (share, style) — the proportions of each kind of phone entry.
STYLES: list[tuple[int, str]] = [
    (22, "local_spaced"),  # "98765 43210"
    (12, "plus_country"),  # "+91 98765 43210"
    (10, "country_field"),  # PhoneCountryCode "91", PhoneNumber "9876543210"
    (8, "trunk_zero"),  # "098765 43210"
    (6, "brackets"),  # "(+91) 98765-43210"
    (6, "double_zero"),  # "0091 9876543210"
    (8, "landline"),  # area code + landline in DEFAULT, no mobile
    (6, "landline_in_mobile"),  # a landline typed into the MOBILE slot
    (8, "empty"),  # no phone at all
    (6, "invalid"),  # "12345", "N/A", "call office"
    (8, "mobile_and_landline"),
]
_STYLE_TABLE = [style for share, style in STYLES for _ in range(share)]


def person_name(rng: random.Random, country: str) -> tuple[str, str]:
    key = country if country in FIRST else "IN"
    return rng.choice(FIRST[key]), rng.choice(LAST[key])


def company_name(rng: random.Random, country: str) -> str:
    key = country if country in LAST else "IN"
    return f"{rng.choice(LAST[key])} {rng.choice(COMPANY_WORDS)}"


def _mobile_digits(rng: random.Random, country: str) -> str:
    if country == "NZ":
        return rng.choice(["21", "22", "27"]) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return str(rng.choice([6, 7, 8, 9])) + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _landline(rng: random.Random, country: str) -> tuple[str, str]:
    """(area code without trunk zero, local number)."""
    if country == "NZ":
        return rng.choice(["9", "4", "3"]), f"{rng.randint(200, 999)} {rng.randint(1000, 9999)}"
    return rng.choice(
        ["22", "11", "80", "44"]
    ), f"{rng.randint(2000, 6999)} {rng.randint(1000, 9999)}"


def _split(digits: str) -> str:
    half = len(digits) // 2
    return f"{digits[:half]} {digits[half:]}"


def phones_for(rng: random.Random, country: str) -> tuple[str, list[Phone]]:
    """A style name (for tests and docs) and the contact's Phones in Xero's four-field shape."""
    style = rng.choice(_STYLE_TABLE)
    cc = CALLING_CODES.get(country, "91")
    mobile = _mobile_digits(rng, country)
    if style == "local_spaced":
        return style, [Phone("MOBILE", _split(mobile))]
    if style == "plus_country":
        return style, [Phone("MOBILE", f"+{cc} {_split(mobile)}")]
    if style == "country_field":
        return style, [Phone("MOBILE", mobile, "", cc)]
    if style == "trunk_zero":
        return style, [Phone("MOBILE", "0" + _split(mobile))]
    if style == "brackets":
        return style, [Phone("MOBILE", f"(+{cc}) {mobile[:5]}-{mobile[5:]}")]
    if style == "double_zero":
        return style, [Phone("MOBILE", f"00{cc} {mobile}")]
    area, local = _landline(rng, country)
    if style == "landline":
        return style, [Phone("DEFAULT", local, "0" + area, cc)]
    if style == "landline_in_mobile":
        return style, [Phone("MOBILE", f"0{area} {local}")]
    if style == "empty":
        return style, []
    if style == "invalid":
        return style, [Phone("MOBILE", rng.choice(["12345", "N/A", "call office", "000"]))]
    return style, [Phone("DEFAULT", local, "0" + area, cc), Phone("MOBILE", _split(mobile), "", cc)]
