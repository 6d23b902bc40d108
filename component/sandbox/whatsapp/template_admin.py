"""``POST /{waba-id}/message_templates``: create a template the way the Business Management API does.

What Meta does, and so what this does:

- a malformed definition is refused at once with error 100 (and Meta's subcodes where they are
  known: 2388024 the name already exists in that language, 2388299 a variable at the start or
  end of the body; a media header without ``example.header_handle``); nothing is stored;
- an accepted one answers ``{"id", "status": "PENDING", "category"}`` and stays PENDING for
  ``template_review_seconds`` of the sandbox clock, then becomes APPROVED, or REJECTED with a
  ``rejected_reason`` when review finds it unacceptable (a body that is mostly variables);
- the category in the answer is Meta's, not the request's: a template submitted as UTILITY whose
  text is promotional is filed under MARKETING (Meta re-categorises on creation since April 2025,
  and MARKETING costs several times more per message).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from component.sandbox.whatsapp.config import BodyParam, TemplateConfig, UrlButton
from component.sandbox.whatsapp.errors import GraphError
from component.sandbox.whatsapp.templates import template_id

_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
_POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
#: Words that make Meta file a template under MARKETING whatever the request said.
PROMOTIONAL = re.compile(
    r"\b(offer|discount|sale|deal|coupon|promo|% off|buy now|limited time|free gift|"
    r"special price|upgrade|new arrivals?|shop now)\b",
    re.IGNORECASE,
)
CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")


def _invalid(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(100, message, subcode=subcode)


def _text(component: dict[str, Any], kind: str, limit: int) -> str:
    text = component.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _invalid(f"components: the {kind} needs a non-empty text")
    if len(text) > limit:
        raise _invalid(f"components: the {kind} text is longer than {limit} characters")
    return text


def _body_params(body: dict[str, Any], text: str, named: bool) -> list[BodyParam]:
    example = body.get("example") if isinstance(body.get("example"), dict) else {}
    assert isinstance(example, dict)
    if named:
        names = list(dict.fromkeys(_NAMED.findall(text)))
        given = example.get("body_text_named_params") or []
        examples = {p.get("param_name"): p.get("example") for p in given if isinstance(p, dict)}
        if names and set(examples) != set(names):
            raise _invalid("components: body_text_named_params must give one example per name")
        return [BodyParam(name=n, example=str(examples[n])) for n in names]
    numbers = [int(n) for n in _POSITIONAL.findall(text)]
    if sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
        raise _invalid("components: body variables must be {{1}}, {{2}}, ... in sequence")
    rows = example.get("body_text") or [[]]
    values = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], list) else []
    if numbers and len(values) != len(set(numbers)):
        raise _invalid("components: the body example must give one value per variable")
    return [BodyParam(name=f"var_{i}", example=str(v)) for i, v in enumerate(values, 1)]


def _buttons(component: dict[str, Any]) -> tuple[UrlButton | None, list[str]]:
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 10:
        raise _invalid("components: BUTTONS needs 1 to 10 buttons")
    url: UrlButton | None = None
    quick: list[str] = []
    for button in buttons:
        kind = str(button.get("type", "")).upper() if isinstance(button, dict) else ""
        text = button.get("text") if isinstance(button, dict) else None
        if not isinstance(text, str) or not 0 < len(text) <= 25:
            raise _invalid("components: every button needs a text of at most 25 characters")
        if kind == "QUICK_REPLY":
            quick.append(text)
        elif kind == "URL" and url is None:
            link = str(button.get("url", ""))
            dynamic = "{{" in link
            try:
                url = UrlButton(text=text, url=link, dynamic_suffix=dynamic)
            except ValidationError as exc:
                raise _invalid(f"components: URL button: {exc.errors()[0]['msg']}") from None
        else:
            raise _invalid(f"components: button type {kind or '?'} is not supported here")
    return url, quick


def _has_handle(component: dict[str, Any]) -> bool:
    example = component.get("example")
    handles = example.get("header_handle") if isinstance(example, dict) else None
    return isinstance(handles, list) and bool(handles) and all(isinstance(h, str) for h in handles)


def parse(payload: Any) -> tuple[TemplateConfig, str]:
    """The template a create request describes, and its language; 100 when malformed."""
    if not isinstance(payload, dict):
        raise _invalid("The request body must be a JSON object.")
    name, language = payload.get("name"), payload.get("language")
    category = str(payload.get("category", "")).upper()
    if not isinstance(name, str) or not _NAME.match(name):
        raise _invalid("name must be lowercase letters, digits and underscores")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise _invalid("language must be a code such as en, en_US or hi")
    if category not in CATEGORIES:
        raise _invalid(f"category must be one of {', '.join(CATEGORIES)}")
    named = str(payload.get("parameter_format", "POSITIONAL")).upper() == "NAMED"
    components = payload.get("components")
    if not isinstance(components, list):
        raise _invalid("components is required")
    fields: dict[str, Any] = {"name": name, "languages": [language], "category": category}
    for component in components:
        kind = str(component.get("type", "")).upper() if isinstance(component, dict) else ""
        if kind == "BODY":
            text = _text(component, "body", 1024)
            if re.match(r"^\s*\{\{", text) or re.search(r"\}\}\s*[.!?]?\s*$", text):
                raise _invalid("Variables can't be at the start or end of the template.", 2388299)
            fields["body_text"] = text
            fields["body_params"] = _body_params(component, text, named)
        elif kind == "HEADER":
            fmt = str(component.get("format", "")).upper()
            if fmt not in ("TEXT", "DOCUMENT", "IMAGE"):
                raise _invalid("components: HEADER format must be TEXT, DOCUMENT or IMAGE")
            fields["header_format"] = fmt
            if fmt == "TEXT":
                fields["header_text"] = _text(component, "header", 60)
            elif not _has_handle(component):
                raise _invalid(
                    "components: a media HEADER needs example.header_handle (a sample uploaded "
                    "with the Resumable Upload API)"
                )
        elif kind == "FOOTER":
            footer = _text(component, "footer", 60)
            if "{{" in footer:
                raise _invalid("components: a footer cannot have variables")
            fields["footer_text"] = footer
        elif kind == "BUTTONS":
            fields["url_button"], fields["quick_replies"] = _buttons(component)
        else:
            raise _invalid(f"components: unknown component type {kind or '?'}")
    if "body_text" not in fields:
        raise _invalid("components: a BODY component is required")
    try:
        spec = TemplateConfig(**fields, named_parameters=named, status="PENDING")
    except ValidationError as exc:
        raise _invalid(f"components: {exc.errors()[0]['msg']}") from None
    return spec, language


def categorise(spec: TemplateConfig) -> str:
    """Meta's category for the template: promotional text is MARKETING, whatever was asked."""
    texts = [spec.body_text, spec.header_text or "", spec.footer_text or "", *spec.quick_replies]
    if spec.category == "UTILITY" and any(PROMOTIONAL.search(t) for t in texts):
        return "MARKETING"
    return spec.category


def review(spec: TemplateConfig) -> tuple[str, str | None]:
    """What review decides once the delay is over: APPROVED, or REJECTED with a reason."""
    bare = _POSITIONAL.sub("", _NAMED.sub("", spec.body_text))
    words = len(re.findall(r"\w+", bare))
    if spec.body_params and words < 3 * len(spec.body_params):
        return "REJECTED", "INVALID_FORMAT"  # too many variables for its length
    return "APPROVED", None


class TemplateRegistry:
    """The account's templates; submissions wait for review on the sandbox clock."""

    def __init__(self, templates: list[TemplateConfig], review_seconds: float) -> None:
        self.templates = templates
        self.review_seconds = review_seconds
        self._due: dict[tuple[str, str], datetime] = {}

    def submit(self, payload: Any, now: datetime) -> dict[str, Any]:
        spec, language = parse(payload)
        existing = next(
            (t for t in self.templates if t.name == spec.name and language in t.languages), None
        )
        if existing is not None:
            raise _invalid(
                f"Content in this language already exists: {spec.name} ({language})", 2388024
            )
        spec.category = categorise(spec)  # type: ignore[assignment]
        self.templates.append(spec)
        self._due[(spec.name, language)] = now + timedelta(seconds=self.review_seconds)
        self.settle(now)
        return {
            "id": template_id(spec.name, language),
            "status": spec.status,
            "category": spec.category,
        }

    def settle(self, now: datetime) -> None:
        """Finish every review whose time has come."""
        for key, due in list(self._due.items()):
            if due > now:
                continue
            del self._due[key]
            spec = next(t for t in self.templates if t.name == key[0] and key[1] in t.languages)
            status, reason = review(spec)
            spec.status = status  # type: ignore[assignment]
            spec.rejected_reason = reason
