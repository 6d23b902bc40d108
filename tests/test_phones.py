"""Xero contact phones → WhatsApp E.164 numbers: the sandbox's messy formats, never guessed."""

from __future__ import annotations

from typing import Any

import pytest

from component import errors
from component.phones import (
    INVALID,
    LANDLINE,
    NO_PHONE,
    NOT_MOBILE,
    PhoneChoice,
    default_region,
    normalise_recipient,
    read_phone,
    whatsapp_number,
)


def phone(
    number: str | None,
    *,
    kind: str | None = "MOBILE",
    country: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """A Xero ``Phones[]`` item; None fields are how Xero sends unset ones."""
    return {
        "PhoneType": kind,
        "PhoneNumber": number,
        "PhoneAreaCode": area,
        "PhoneCountryCode": country,
    }


# (name, phone, default region, expected e164, expected reason)
CASES: list[tuple[str, dict[str, Any], str, str | None, str | None]] = [
    ("seed's bare Indian mobile", phone("9820012345"), "IN", "+919820012345", None),
    ("with + and spaces", phone("+91 98200 12345"), "IN", "+919820012345", None),
    ("trunk zero", phone("098200 12345"), "IN", "+919820012345", None),
    ("0091 international prefix", phone("0091 98200 12345"), "IN", "+919820012345", None),
    ("dashes", phone("98200-12345"), "IN", "+919820012345", None),
    ("brackets and dots", phone("(98200) 123.45"), "IN", "+919820012345", None),
    ("country code field", phone("9820012345", country="91"), "AU", "+919820012345", None),
    ("country code with +", phone("98200 12345", country="+91"), "AU", "+919820012345", None),
    ("country code with 00", phone("98200 12345", country="0091"), "AU", "+919820012345", None),
    (
        "country repeated in number",
        phone("91 98200 12345", country="91"),
        "IN",
        "+919820012345",
        None,
    ),
    ("Australian (0) trunk", phone("(0)412 345 678", country="61"), "IN", "+61412345678", None),
    (
        "Australian area + number",
        phone("345 678", country="61", area="(0)412"),
        "IN",
        "+61412345678",
        None,
    ),
    ("Australian in AU default", phone("0412 345 678"), "AU", "+61412345678", None),
    ("+ wins over default region", phone("+61 412 345 678"), "IN", "+61412345678", None),
    ("UK mobile", phone("07911 123456", country="44"), "IN", "+447911123456", None),
    ("UK mobile +44 (0)", phone("+44 (0)7911 123456"), "IN", "+447911123456", None),
    ("US FIXED_LINE_OR_MOBILE", phone("(415) 555-2671", country="1"), "IN", "+14155552671", None),
    ("country as region letters", phone("0412 345 678", country="AU"), "IN", "+61412345678", None),
    ("Indian landline", phone("022 6150 0000"), "IN", None, LANDLINE),
    ("Australian landline", phone("9876 5432", country="61", area="02"), "IN", None, LANDLINE),
    ("UK landline", phone("020 7946 0958", country="44"), "IN", None, LANDLINE),
    ("US toll free", phone("1-800-356-9377", country="1"), "IN", None, NOT_MOBILE),
    ("extension", phone("98200 12345 ext 12"), "IN", None, NOT_MOBILE),
    ("letters", phone("call reception"), "IN", None, INVALID),
    ("letters and few digits", phone("ask for ext 12"), "IN", None, INVALID),
    ("too short", phone("12345"), "IN", None, INVALID),
    ("too long", phone("98200123456789"), "IN", None, INVALID),
    ("not a calling code", phone("9820012345", country="999"), "IN", None, INVALID),
    ("country code text", phone("9820012345", country="India"), "IN", None, INVALID),
    ("wrong default region", phone("9820012345"), "AU", None, INVALID),
    ("empty", phone(""), "IN", None, NO_PHONE),
    ("None fields", phone(None, country=None, area=None), "IN", None, NO_PHONE),
]


@pytest.mark.parametrize(
    ("item", "region", "e164", "reason"),
    [
        pytest.param(item, region, e164, reason, id=name)
        for name, item, region, e164, reason in CASES
    ],
)
def test_one_phone(item: dict[str, Any], region: str, e164: str | None, reason: str | None) -> None:
    choice = read_phone(item, default_region=region)

    assert (choice.e164, choice.reason) == (e164, reason), choice.detail
    assert choice.phone_type == "MOBILE"
    assert choice.ok is (e164 is not None)


def test_mobile_is_preferred_over_default_and_ddi() -> None:
    phones = [
        phone("9820054321", kind="DEFAULT"),
        phone("9820099999", kind="DDI"),
        phone("9820012345", kind="MOBILE"),
    ]

    assert whatsapp_number(phones, default_region="IN") == PhoneChoice(
        "+919820012345", "MOBILE", None, "+919820012345 is a mobile number"
    )


def test_default_then_ddi_when_mobile_is_missing_or_unusable() -> None:
    phones = [
        phone("", kind="MOBILE"),
        phone("022 6150 0000", kind="DEFAULT"),
        phone("98200 54321", kind="DDI"),
    ]

    choice = whatsapp_number(phones, default_region="IN")

    assert (choice.e164, choice.phone_type) == ("+919820054321", "DDI")


def test_fax_and_office_numbers_are_never_used() -> None:
    phones = [phone("9820012345", kind="FAX"), phone("9820054321", kind="OFFICE")]

    choice = whatsapp_number(phones, default_region="IN")

    assert (choice.e164, choice.reason, choice.phone_type) == (None, NO_PHONE, None)


@pytest.mark.parametrize("phones", [None, [], [phone(None), phone("", kind="DEFAULT")]])
def test_no_phone_at_all(phones: list[dict[str, Any]] | None) -> None:
    choice = whatsapp_number(phones, default_region="IN")

    assert (choice.e164, choice.reason) == (None, NO_PHONE)
    assert choice.detail == "the contact has no MOBILE, DEFAULT or DDI number"


def test_skipped_numbers_report_the_preferred_phone_and_every_reason() -> None:
    phones = [phone("call me", kind="MOBILE"), phone("022 6150 0000", kind="DEFAULT")]

    choice = whatsapp_number(phones, default_region="IN")

    assert (choice.e164, choice.reason, choice.phone_type) == (None, INVALID, "MOBILE")
    assert choice.detail == (
        "MOBILE: 'call me' has no digits; DEFAULT: +912261500000 is a landline"
    )


def test_the_seeds_naive_plus_91_is_not_what_happens() -> None:
    """The seed prepended "+91" to anything: an Australian contact must not go to India."""
    choice = whatsapp_number([phone("(0)412 345 678", country="61")], default_region="IN")

    assert choice.e164 == "+61412345678"
    assert choice.e164 != "+91" + "(0)412 345 678"


@pytest.mark.parametrize(
    ("configured", "org", "expected"),
    [
        ("AU", "IN", "AU"),
        (" gb ", None, "GB"),
        (None, "AU", "AU"),
        ("", "nz", "NZ"),
        (None, None, "IN"),
        (None, "", "IN"),
        (None, "XX", "IN"),
    ],
)
def test_default_region_order(configured: str | None, org: str | None, expected: str) -> None:
    assert default_region(configured, org) == expected


def test_a_misconfigured_region_is_an_error_not_a_guess() -> None:
    with pytest.raises(errors.InputError, match="DEFAULT_PHONE_REGION"):
        default_region("India", "IN")


@pytest.mark.parametrize(
    ("given", "region", "expected"),
    [
        ("+919820012345", "IN", "+919820012345"),
        ("+91 98200 12345", "AU", "+919820012345"),
        ("9820012345", "IN", "+919820012345"),
        ("919820012345", "IN", "+919820012345"),
        ("0412 345 678", "AU", "+61412345678"),
        ("+91 22 6150 0000", "IN", "+912261500000"),
    ],
)
def test_an_explicit_recipient_is_normalised(given: str, region: str, expected: str) -> None:
    assert normalise_recipient(given, default_region=region) == expected


@pytest.mark.parametrize("given", ["hello", "12345", "+9999", "+919820012345 ext 1", ""])
def test_an_explicit_recipient_that_is_not_a_number_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        normalise_recipient(given, default_region="IN")
