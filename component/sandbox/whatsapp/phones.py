"""How the Cloud API reads the ``to`` field, including its best-known pitfall.

Meta's phone-number guidance: send E.164 with the leading ``+``; when the ``+`` is missing and
the number does not already carry a country code, the BUSINESS number's country calling code is
prepended. An Indian business sending ``4155552671`` (a US number without ``1``) reaches
``+914155552671``, which is nobody, and the failure only shows up later as a 131026 ``failed``
status. We decide "already carries a country code" the way a careful reader of that rule would:
the digits read as ``+<digits>`` form a valid number. ``wa_id`` is the resulting digits without
``+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from component.sandbox.whatsapp.errors import GraphError

_SEPARATORS = re.compile(r"[\s\-().]")
_DIGITS = re.compile(r"^\+?\d{5,15}$")


@dataclass(frozen=True)
class Recipient:
    """``input`` exactly as sent, ``wa_id`` the digits Meta resolved it to, and what kind of
    number that is (``fixed_line``: a landline, which is rarely on WhatsApp)."""

    input: str
    wa_id: str
    valid: bool
    prepended: bool
    fixed_line: bool = False
    #: Set when the send named a BSUID in ``recipient`` instead of a number in ``to``.
    user_id: str | None = None


def business_country_code(display_phone_number: str) -> int:
    """Country calling code of the business number (``+91 22 ...`` → 91)."""
    import phonenumbers  # on use: the sandbox starts without it

    digits = "+" + re.sub(r"\D", "", display_phone_number)
    code = phonenumbers.parse(digits).country_code
    if code is None:
        raise ValueError(f"no country code in {display_phone_number!r}")
    return int(code)


def _is_valid(e164_digits: str) -> bool:
    import phonenumbers  # on use: the sandbox starts without it

    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse("+" + e164_digits)))
    except phonenumbers.NumberParseException:
        return False


def _recipient(raw: str, digits: str, prepended: bool) -> Recipient:
    import phonenumbers  # on use: the sandbox starts without it

    valid = _is_valid(digits)
    fixed = valid and phonenumbers.number_type(phonenumbers.parse("+" + digits)) == (
        phonenumbers.PhoneNumberType.FIXED_LINE
    )
    return Recipient(raw, digits, valid, prepended, fixed_line=fixed)


def resolve_recipient(raw: object, business_cc: int) -> Recipient:
    """Read ``to`` like Meta; a malformed value is a 100 error."""
    if not isinstance(raw, str) or not raw.strip():
        raise GraphError(100, "The parameter to is required.")
    cleaned = _SEPARATORS.sub("", raw.strip())
    if not _DIGITS.match(cleaned):
        raise GraphError(100, f"Invalid parameter: to ({raw!r}) is not a valid phone number")
    if cleaned.startswith("+"):
        return _recipient(raw, cleaned[1:], prepended=False)
    if _is_valid(cleaned):
        return _recipient(raw, cleaned, prepended=False)
    # Literal concatenation, trunk zero and all: "09820012345" becomes "9109820012345".
    return _recipient(raw, f"{business_cc}{cleaned}", prepended=True)
