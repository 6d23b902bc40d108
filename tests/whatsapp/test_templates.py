"""Template component builders: Meta's exact shapes, exact currency integers, our own date text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from component.whatsapp import templates as t


def test_the_reminder_of_the_facts_is_built_exactly() -> None:
    built = t.components(
        header_params=[
            t.document(link="https://in.xero.com/INV-0142.pdf", filename="INV-0142.pdf")
        ],
        body_params=[
            t.text("Priya Textiles"),
            t.text("INV-0142"),
            t.currency(Decimal("48500"), "INR", "en_IN"),
            t.date_time(date(2026, 7, 7), "en_IN"),
        ],
        buttons=[t.url_button("iNv0142aBcD")],
    )

    assert built == [
        {
            "type": "header",
            "parameters": [
                {
                    "type": "document",
                    "document": {
                        "link": "https://in.xero.com/INV-0142.pdf",
                        "filename": "INV-0142.pdf",
                    },
                }
            ],
        },
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Priya Textiles"},
                {"type": "text", "text": "INV-0142"},
                {
                    "type": "currency",
                    "currency": {
                        "fallback_value": "₹48,500.00",
                        "code": "INR",
                        "amount_1000": 48500000,
                    },
                },
                {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}},
            ],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
        },
    ]


@pytest.mark.parametrize(
    ("amount", "code", "locale", "fallback", "amount_1000"),
    [
        (Decimal("48500"), "INR", "en_IN", "₹48,500.00", 48500000),
        (Decimal("120000"), "INR", "en_IN", "₹1,20,000.00", 120000000),
        ("0.1", "INR", "en_IN", "₹0.10", 100),
        (Decimal("1234.567"), "usd", "en_US", "$1,234.57", 1234567),
        (Decimal("99.99"), "AUD", "en_AU", "$99.99", 99990),
        (1500, "GBP", "en_GB", "£1,500.00", 1500000),
        (Decimal("-12.5"), "INR", "en_IN", "-₹12.50", -12500),
    ],
)
def test_currency_amount_is_exact_and_fallback_is_localised(
    amount: Decimal | int | str, code: str, locale: str, fallback: str, amount_1000: int
) -> None:
    param = t.currency(amount, code, locale)

    assert param["currency"] == {
        "fallback_value": fallback,
        "code": code.upper(),
        "amount_1000": amount_1000,
    }
    assert isinstance(param["currency"]["amount_1000"], int)


def test_currency_refuses_what_it_would_have_to_guess() -> None:
    with pytest.raises(TypeError, match="never float"):
        t.currency(0.1, "INR", "en_IN")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than 3 decimal places"):
        t.currency(Decimal("1.2345"), "INR", "en_IN")
    with pytest.raises(ValueError, match="ISO 4217"):
        t.currency(Decimal("1"), "RUPEES", "en_IN")
    with pytest.raises(ValueError, match="not a number"):
        t.currency("12,00", "INR", "en_IN")
    with pytest.raises(ValueError, match="unknown locale"):
        t.currency(Decimal("1"), "INR", "xx_YY")


@pytest.mark.parametrize(
    ("locale", "fallback"),
    [
        ("en_IN", "7 July 2026"),
        ("en_US", "7 July 2026"),
        ("en", "7 July 2026"),
        ("hi_IN", "7 जुलाई 2026"),
    ],
)
def test_date_time_fallback_is_formatted_by_us(locale: str, fallback: str) -> None:
    assert t.date_time(date(2026, 7, 7), locale) == {
        "type": "date_time",
        "date_time": {"fallback_value": fallback},
    }


def test_named_parameters_carry_parameter_name() -> None:
    assert t.text("Priya Textiles", name="party_name") == {
        "type": "text",
        "text": "Priya Textiles",
        "parameter_name": "party_name",
    }
    assert t.currency(Decimal("1"), "INR", "en_IN", name="amount")["parameter_name"] == "amount"
    assert t.date_time(date(2026, 7, 7), "en", name="due")["parameter_name"] == "due"


def test_text_whitespace_is_collapsed_because_meta_refuses_it() -> None:
    assert t.text("Priya\nTextiles\t Pvt     Ltd ")["text"] == "Priya Textiles Pvt Ltd"
    with pytest.raises(ValueError, match="empty"):
        t.text("  \n ")


def test_header_document_by_media_id() -> None:
    assert t.header_document(media_id="1037543291543636", filename="INV-0142.pdf") == {
        "type": "header",
        "parameters": [
            {"type": "document", "document": {"id": "1037543291543636", "filename": "INV-0142.pdf"}}
        ],
    }
    with pytest.raises(ValueError, match="exactly one"):
        t.document(link="https://x", media_id="1")
    with pytest.raises(ValueError, match="exactly one"):
        t.document()


def test_url_button_index_is_a_string_and_suffix_is_required() -> None:
    assert t.url_button("abc", index=1)["index"] == "1"
    with pytest.raises(ValueError, match="suffix"):
        t.url_button("")


def test_components_leave_out_empty_parts() -> None:
    assert t.components(body_params=[t.text("x")]) == [
        {"type": "body", "parameters": [{"type": "text", "text": "x"}]}
    ]
    assert t.components() == []
