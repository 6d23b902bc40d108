"""Amounts in messages read as babel writes them for the locale, however often the same amount
is formatted (the formatting is cached: a message formats its total twice)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from component.notify.locale import format_money
from component.whatsapp import templates as tpl

CASES = [
    ("48500", "INR", "en_IN", "₹48,500.00"),
    ("120000.5", "INR", "en_IN", "₹1,20,000.50"),
    ("120000.50", "INR", "en_IN", "₹1,20,000.50"),
    ("350", "USD", "en_US", "$350.00"),
    ("1234.5", "JPY", "en", "¥1,234"),  # half to even, as babel rounds
    ("1235.5", "JPY", "en", "¥1,236"),
]


@pytest.mark.parametrize(("amount", "code", "locale", "text"), CASES)
def test_amounts_read_as_babel_writes_them_every_time(
    amount: str, code: str, locale: str, text: str
) -> None:
    for _ in range(2):
        assert format_money(Decimal(amount), code, locale) == text
        assert format_currency(Decimal(amount), code, locale=locale) == text
        param = tpl.currency(Decimal(amount), code, locale.replace("_", "-"))
        assert param["currency"]["fallback_value"] == text
