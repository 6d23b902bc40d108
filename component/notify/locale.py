"""The language and number/date style of a message, and amounts read from Xero.

One rule for every notification: the configured locale (the reminder policy's ``locale``, or
``XERO_WA_MESSAGE_LOCALE`` for alerts), else English as written in the organisation's country
(``en_IN`` gives ₹48,500.00 and "7 July 2026"), else plain English.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from component import errors


def message_locale(configured: str | None, org_country: str | None) -> str:
    """The configured locale, else English as written in the organisation's country."""
    if configured:
        return configured
    country = (org_country or "").strip().upper()
    if not country:
        return "en"
    from babel.core import Locale, UnknownLocaleError  # on use: most commands never format

    try:
        Locale.parse(f"en_{country}")
    except (UnknownLocaleError, ValueError):
        return "en"
    return f"en_{country}"


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """``₹48,500.00``: an amount as the customer reads it."""
    from component.whatsapp.templates import money_text

    return money_text(str(amount), currency, locale)


def money(value: Any) -> Decimal:
    """An amount from a Xero record; a non-number is Xero's fault (UpstreamError), not a crash."""
    try:
        amount = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise errors.UpstreamError(
            f"Xero sent an amount that is not a number: {value!r}", errors.UpstreamInfo("xero")
        )
    return amount
