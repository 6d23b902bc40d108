"""The WhatsApp actions' friendly inputs → Meta's template components and an E.164 recipient.

A flow author writes ``["Priya Textiles", {"type": "currency", "amount": "48500", "currency":
"INR"}, {"type": "date_time", "date": "2026-07-07"}]`` and gets exact Cloud API parameters
(``component.whatsapp.templates``). Items already in Meta's shape (``{"type": "currency",
"currency": {...}}``) pass through untouched, and the ``components`` input takes raw components
for anything the friendly form does not cover. Every mistake is an InputError naming the item
(``bodyParameters[2]``), raised before anything is sent.

Fallback texts (currency, dates) are formatted in ``locale``; when it is not given, the
recipient's country decides (en_IN for +91, en_AU for +61, en_GB for +44, en_US for +1...), so
₹1,20,000.00 reads the Indian way and A$ amounts the Australian way without configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import phonenumbers
from babel import localedata

from component import errors
from component.phones import default_region, normalise_recipient
from component.whatsapp import templates as t

#: A business-scoped user id: ISO country, optional ENT (a parent id), up to 128 alphanumerics.
BSUID = re.compile(r"^[A-Z]{2}(?:\.ENT)?\.[A-Za-z0-9]{1,128}$")

_BUTTON_SUBTYPES = {"url", "quick_reply", "copy_code"}


def recipient(value: str, settings_region: str | None) -> str:
    """An action's ``to`` as E.164: "+…" kept, other forms read in the configured region; a
    WhatsApp user id (``IN.1502576394655843``) is kept as it is (sent as ``recipient``)."""
    if BSUID.match(value.strip()):
        return value.strip()
    try:
        return normalise_recipient(value, default_region=default_region(settings_region, None))
    except ValueError as exc:
        raise errors.InputError.single(
            "to", f"{exc}; give the number as +<country><number>"
        ) from None


def locale_for(e164: str) -> str:
    """English in the recipient's country (en_IN, en_AU...), else plain English; a user id's
    country is its prefix (``IN.…``)."""
    if BSUID.match(e164):
        country = f"en_{e164[:2]}"
        return country if localedata.exists(country) else "en"
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    candidate = f"en_{region}"
    return candidate if region and localedata.exists(candidate) else "en"


def template_components(inputs: Mapping[str, Any], locale: str) -> list[dict[str, Any]]:
    """Components from either ``components`` (raw) or the friendly parameter inputs."""
    friendly = ("headerParameters", "bodyParameters", "buttonParameters", "buttonUrlSuffix")
    raw = inputs.get("components")
    if raw is not None:
        given = [key for key in friendly if inputs.get(key) not in (None, [], "")]
        if given:
            raise errors.InputError.single(
                "components", f"give either components or {', '.join(given)}, not both"
            )
        return _raw_components(raw)
    header = _parameters(inputs.get("headerParameters"), "headerParameters", locale)
    body = _parameters(inputs.get("bodyParameters"), "bodyParameters", locale)
    buttons = _buttons(inputs.get("buttonParameters"), inputs.get("buttonUrlSuffix"))
    return t.components(header_params=header, body_params=body, buttons=buttons)


def _raw_components(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(c, dict) and "type" in c for c in raw):
        raise errors.InputError.single(
            "components", "expected a JSON array of component objects, each with a type"
        )
    return raw


def _parameters(items: Any, field: str, locale: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise errors.InputError.single(field, "expected a JSON array of parameters")
    return [parameter(item, f"{field}[{i}]", locale) for i, item in enumerate(items)]


def parameter(item: Any, where: str, locale: str) -> dict[str, Any]:
    """One friendly parameter item → Meta's parameter object (see the module docstring)."""
    try:
        return _parameter(item, locale)
    except (ValueError, TypeError, KeyError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise errors.InputError.single(where, reason) from None


def _parameter(item: Any, locale: str) -> dict[str, Any]:
    if isinstance(item, bool) or item is None:
        raise ValueError("expected text or a parameter object")
    if isinstance(item, (str, int, float)):
        return t.text(str(item))
    if not isinstance(item, dict):
        raise ValueError("expected text or a parameter object")
    kind = item.get("type", "text")
    if isinstance(item.get(kind), dict):
        return dict(item)  # already in Meta's shape
    name = item.get("name") or item.get("parameter_name")
    if kind == "text":
        return t.text(str(item["text"]), name=name)
    if kind == "currency":
        code = item.get("currency") or item.get("code")
        if not isinstance(code, str):
            raise ValueError("a currency parameter needs currency (an ISO code such as INR)")
        return t.currency(_amount(item["amount"]), code, item.get("locale") or locale, name=name)
    if kind == "date_time":
        day = date.fromisoformat(str(item["date"]))
        return t.date_time(day, item.get("locale") or locale, name=name)
    if kind == "document":
        media = item.get("mediaId") or item.get("id")
        return t.document(link=item.get("link"), media_id=media, filename=item.get("filename"))
    raise ValueError(f"unknown parameter type {kind!r}; use text, currency, date_time or document")


def _amount(value: Any) -> Decimal | int | str:
    if isinstance(value, bool):
        raise ValueError("amount must be a number")
    if isinstance(value, float):
        return str(value)  # a JSON number: its shortest text is what the author typed
    if isinstance(value, (Decimal, int, str)):
        return value
    raise ValueError("amount must be a number or a numeric string")


def _buttons(items: Any, url_suffix: str | None) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    if url_suffix:
        buttons.append(t.url_button(url_suffix, index=0))
    if items is None:
        return buttons
    if not isinstance(items, list):
        raise errors.InputError.single("buttonParameters", "expected a JSON array of buttons")
    for index, item in enumerate(items):
        where = f"buttonParameters[{index}]"
        button = _button(item, index, where)
        if any(b["index"] == button["index"] for b in buttons):
            raise errors.InputError.single(where, f"button {button['index']} is given twice")
        buttons.append(button)
    return buttons


def _button(item: Any, index: int, where: str) -> dict[str, Any]:
    """A string is a URL suffix; an object names subType (url, quick_reply, copy_code)."""
    if isinstance(item, str) and item:
        return t.url_button(item, index=index)
    if not isinstance(item, dict):
        raise errors.InputError.single(where, "expected a URL suffix or a button object")
    if item.get("type") == "button":
        return dict(item)  # already a Meta button component
    sub_type = item.get("subType", "url")
    position = str(item.get("index", index))
    if sub_type not in _BUTTON_SUBTYPES:
        raise errors.InputError.single(where, f"subType must be one of {sorted(_BUTTON_SUBTYPES)}")
    value = item.get("text") or item.get("payload") or item.get("couponCode")
    if not isinstance(value, str) or not value:
        raise errors.InputError.single(where, "needs text (url), payload or couponCode")
    param: dict[str, Any] = {
        "url": {"type": "text", "text": value},
        "quick_reply": {"type": "payload", "payload": value},
        "copy_code": {"type": "coupon_code", "coupon_code": value},
    }[sub_type]
    return {"type": "button", "sub_type": sub_type, "index": position, "parameters": [param]}
