"""Xero contact phones → the E.164 number a WhatsApp message may be sent to, or why not.

Xero stores ``Phones[{PhoneType, PhoneCountryCode, PhoneAreaCode, PhoneNumber}]`` as free text
typed by people: "9820012345", "+91 98200 12345", "098200 12345", "(0)412 345 678" with country
61, "0091-98200-12345", landlines, letters, nothing. The reminder workflow this product comes
from prepended "+91" to whatever was there; that sends Australians' reminders to India and
landlines to nobody. The rules here, in order:

1. phones are tried MOBILE first, then DEFAULT, then DDI (FAX and others are never used);
2. with a PhoneCountryCode, area code + number are read as a national number of that country
   (libphonenumber strips the trunk prefix: "(0)412..." in Australia, "098200..." in India);
   without one, they are read in the default region (configured, else the organisation's
   country, else IN). A number written with "+" or an international prefix ("0091") keeps the
   country it names;
3. only valid numbers of mobile type are kept (MOBILE, or FIXED_LINE_OR_MOBILE where a country
   does not tell them apart, as in the US); landlines and other types are skipped with a reason;
4. nothing is ever guessed: an unreadable number is "invalid", not repaired.

The result is E.164 with the leading "+", which is what the Cloud API needs (without "+" Meta
prepends the business number's country code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from component import errors

PREFERENCE = ("MOBILE", "DEFAULT", "DDI")
FALLBACK_REGION = "IN"

NO_PHONE = "no phone"
LANDLINE = "landline"
INVALID = "invalid"
NOT_MOBILE = "not a mobile"

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_CODE_PREFIX = re.compile(r"^(\+|00)")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class PhoneChoice:
    """The number to use (``e164``), or ``reason`` why there is none; ``detail`` explains."""

    e164: str | None
    phone_type: str | None
    reason: str | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.e164 is not None


def whatsapp_number(
    phones: Sequence[Mapping[str, Any]] | None, *, default_region: str
) -> PhoneChoice:
    """The first usable mobile among a Xero contact's phones, by preference (see module doc)."""
    tried: list[PhoneChoice] = []
    for phone_type in PREFERENCE:
        for phone in phones or []:
            if _text(phone.get("PhoneType")).upper() != phone_type or not _has_number(phone):
                continue
            choice = read_phone(phone, default_region=default_region)
            if choice.ok:
                return choice
            tried.append(choice)
    if not tried:
        return PhoneChoice(None, None, NO_PHONE, "the contact has no MOBILE, DEFAULT or DDI number")
    first = tried[0]
    detail = "; ".join(f"{c.phone_type}: {c.detail}" for c in tried)
    return PhoneChoice(None, first.phone_type, first.reason, detail)


def read_phone(phone: Mapping[str, Any], *, default_region: str) -> PhoneChoice:
    """One Xero phone → its E.164 mobile number, or the reason it cannot be used."""
    phone_type = _text(phone.get("PhoneType")).upper() or None
    national = " ".join(
        part
        for part in (_text(phone.get("PhoneAreaCode")), _text(phone.get("PhoneNumber")))
        if part
    )
    if not any(ch.isdigit() for ch in national):
        why = f"{national!r} has no digits" if national else "the number is empty"
        reason = INVALID if national else NO_PHONE
        return PhoneChoice(None, phone_type, reason, why)
    country = _text(phone.get("PhoneCountryCode"))
    region, problem = _region_for(country, default_region)
    if region is None:
        return PhoneChoice(None, phone_type, INVALID, problem)
    return _classify(national, region, phone_type)


def _classify(national: str, region: str, phone_type: str | None) -> PhoneChoice:
    shown = f"{national!r} (read in {region})"
    try:
        number = phonenumbers.parse(national, region)
    except NumberParseException:
        return PhoneChoice(None, phone_type, INVALID, f"{shown} is not a phone number")
    if not phonenumbers.is_valid_number(number):
        return PhoneChoice(None, phone_type, INVALID, f"{shown} is not a valid number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        return PhoneChoice(
            None, phone_type, NOT_MOBILE, f"{e164} has an extension (an office line)"
        )
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.FIXED_LINE:
        return PhoneChoice(None, phone_type, LANDLINE, f"{e164} is a landline")
    if kind not in _MOBILE_TYPES:
        return PhoneChoice(None, phone_type, NOT_MOBILE, f"{e164} is not a mobile number")
    return PhoneChoice(e164, phone_type, None, f"{e164} is a mobile number")


def _region_for(country: str, default_region: str) -> tuple[str | None, str]:
    """The region to read a national number in: from PhoneCountryCode, else the default."""
    if not country:
        return default_region, ""
    if re.fullmatch(r"[A-Za-z]{2}", country):
        region = country.upper()
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region, ""
        return None, f"country {country!r} is not a known region"
    digits = re.sub(r"[\s()\-]", "", _CODE_PREFIX.sub("", country.strip()))
    if not digits.isdigit():
        return None, f"country code {country!r} is not a number"
    region = phonenumbers.region_code_for_country_code(int(digits))
    if region == phonenumbers.UNKNOWN_REGION:
        return None, f"country code {country!r} is not a calling code"
    return region, ""


def default_region(
    settings_region: str | None, org_country: str | None, source: str = "DEFAULT_PHONE_REGION"
) -> str:
    """Region for numbers without a country code: configured, else the org's country, else IN.

    ``source`` names where the configured region was set (the variable, or the policy's
    ``phones.defaultRegion``), so an unknown one is reported where it can be fixed.
    """
    if settings_region and settings_region.strip():
        region = settings_region.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise errors.InputError.single(
                source,
                f"{settings_region!r} is not a two-letter region code such as IN, AU or GB",
            )
        return region
    org = (org_country or "").strip().upper()
    return org if org in phonenumbers.SUPPORTED_REGIONS else FALLBACK_REGION


def normalise_recipient(value: str, *, default_region: str) -> str:
    """A number given explicitly (an action's ``to``) → E.164; raises ValueError with why.

    Unlike contact mapping, any valid number is accepted here (the user chose it, and businesses
    can be on WhatsApp with a landline); a number without "+" is read in ``default_region``.
    """
    text = value.strip()
    if _E164.match(text):
        candidate = text
    else:
        try:
            number = phonenumbers.parse(text, default_region)
        except NumberParseException:
            raise ValueError(f"{value!r} is not a phone number") from None
        if not phonenumbers.is_valid_number(number) or number.extension:
            raise ValueError(f"{value!r} is not a valid phone number (read in {default_region})")
        candidate = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    parsed = phonenumbers.parse(candidate, None)
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{value!r} is not a valid phone number")
    return candidate


def _has_number(phone: Mapping[str, Any]) -> bool:
    return bool(_text(phone.get("PhoneNumber")) or _text(phone.get("PhoneAreaCode")))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
