"""Builders for template message components, in exactly the shape the Cloud API expects.

Why builders rather than dicts written inline: the details are easy to get wrong and Meta only
says 132012 ("parameter format does not match") when they are:

- currency needs an ISO 4217 ``code``, an integer ``amount_1000`` (amount x 1000) and a
  ``fallback_value``; the integer comes from ``Decimal`` arithmetic, never from floats, and an
  amount with more than three decimals is refused instead of rounded;
- the Cloud API always shows a date_time's ``fallback_value``, so we format it ourselves
  ("7 July 2026" in English, babel for other languages);
- text parameters may not contain new lines, tabs or more than four spaces in a row (132018), so
  whitespace is collapsed;
- templates created with named parameters need ``parameter_name`` on every body parameter;
- a URL button's ``index`` is a string and its suffix a text parameter.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # babel is imported on use (as in notify.locale): most runs never format
    from babel.core import Locale

Param = dict[str, Any]
Component = dict[str, Any]

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
DATE_PATTERN = "d MMMM y"


def text(value: str, *, name: str | None = None) -> Param:
    """A text parameter; whitespace runs (new lines, tabs) become single spaces."""
    cleaned = " ".join(str(value).split())
    if not cleaned:
        raise ValueError("a text parameter cannot be empty")
    return _named({"type": "text", "text": cleaned}, name)


def currency(
    amount: Decimal | int | str, code: str, locale: str, *, name: str | None = None
) -> Param:
    """A currency parameter: exact ``amount_1000`` and a fallback formatted for ``locale``."""
    value = _decimal(amount)
    code = code.strip().upper()
    if not _CURRENCY_CODE.match(code):
        raise ValueError(f"currency code {code!r} is not an ISO 4217 code such as INR")
    thousandths = value * 1000
    if thousandths != thousandths.to_integral_value():
        raise ValueError(f"amount {amount} has more than 3 decimal places")
    fallback = money_text(str(value), code, str(_locale(locale)))
    param = {
        "type": "currency",
        "currency": {"fallback_value": fallback, "code": code, "amount_1000": int(thousandths)},
    }
    return _named(param, name)


def date_time(day: date, locale: str, *, name: str | None = None) -> Param:
    """A date_time parameter whose fallback reads "7 July 2026" (in ``locale``'s language)."""
    from babel.dates import format_date

    fallback = format_date(day, DATE_PATTERN, locale=_locale(locale))
    return _named({"type": "date_time", "date_time": {"fallback_value": fallback}}, name)


def document(
    *, link: str | None = None, media_id: str | None = None, filename: str | None = None
) -> Param:
    """A document header parameter (PDF), by public ``link`` or uploaded ``media_id``."""
    if (link is None) == (media_id is None):
        raise ValueError("a document needs exactly one of link or media id")
    doc: dict[str, Any] = {"link": link} if link is not None else {"id": media_id}
    if filename:
        doc["filename"] = filename
    return {"type": "document", "document": doc}


def header(parameters: list[Param]) -> Component:
    return {"type": "header", "parameters": parameters}


def header_document(
    *, link: str | None = None, media_id: str | None = None, filename: str | None = None
) -> Component:
    """The header component carrying one document (the invoice PDF)."""
    return header([document(link=link, media_id=media_id, filename=filename)])


def body(parameters: list[Param]) -> Component:
    return {"type": "body", "parameters": parameters}


def url_button(suffix: str, *, index: int = 0) -> Component:
    """A dynamic URL button: ``suffix`` replaces the ``{{1}}`` at the end of its URL."""
    if not suffix:
        raise ValueError("a URL button needs a non-empty suffix")
    return {
        "type": "button",
        "sub_type": "url",
        "index": str(index),
        "parameters": [{"type": "text", "text": suffix}],
    }


def components(
    *,
    header_params: list[Param] | None = None,
    body_params: list[Param] | None = None,
    buttons: list[Component] | None = None,
) -> list[Component]:
    """Header, body and buttons in Meta's order, leaving out the empty ones."""
    out: list[Component] = []
    if header_params:
        out.append(header(header_params))
    if body_params:
        out.append(body(body_params))
    out.extend(buttons or [])
    return out


def _named(param: Param, name: str | None) -> Param:
    if name:
        param["parameter_name"] = name
    return param


@functools.lru_cache(maxsize=4096)
def money_text(amount: str, code: str, locale: str) -> str:
    """``48500.00``, ``INR``, ``en_IN`` → ``₹48,500.00`` (babel's ``format_currency``), cached:
    a message formats the same amounts for its parameters and for its report line, and babel's
    formatting was most of composing a reminder (issue 13). The amount is the exact text of a
    ``Decimal``, so one entry is one formatting."""
    from babel.numbers import format_currency

    return str(format_currency(Decimal(amount), code, locale=locale))


def _decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int, str)):
        raise TypeError("pass amounts as Decimal, int or str, never float (binary rounding)")
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"amount {amount!r} is not a finite number")
    return value


def _locale(name: str) -> Locale:
    from babel.core import Locale, UnknownLocaleError

    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown locale {name!r}; use a code such as en_IN") from None
