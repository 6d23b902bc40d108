"""Template sends checked the way Meta checks them, and templates listed the way Meta lists them.

The checks are the ones that bite in production: a template that is missing, in another
language or not APPROVED (132001); the wrong number of body parameters (132000); a header whose
format differs from the registered one, or a malformed currency/date_time object (132012); a
text parameter with a newline, tab or five spaces (132018); a NAMED template sent without
``parameter_name`` (100); a dynamic URL button without its suffix (131008). Like Meta, a body
slot is not typed: a currency where the template's example shows text is accepted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from component.sandbox.whatsapp.config import TemplateConfig, WhatsAppConfig
from component.sandbox.whatsapp.errors import GraphError

_BAD_TEXT = re.compile(r"[\n\t]| {5,}")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_MEDIA_TYPES = {"DOCUMENT": "document", "IMAGE": "image"}


@dataclass
class RenderedTemplate:
    """What a template send resolved to: for ``GET /_sandbox/whatsapp/messages``."""

    name: str
    language: str
    category: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    header: dict[str, Any] | None = None
    button_suffix: str | None = None
    body: str = ""
    media_ids: list[str] = field(default_factory=list)
    #: Quick-reply button text → the payload a tap will carry (the text unless the send set one).
    quick_replies: dict[str, str] = field(default_factory=dict)


def _components(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    raw = template.get("components", [])
    if not isinstance(raw, list):
        raise GraphError(100, "template['components'] must be an array")
    grouped: dict[str, list[dict[str, Any]]] = {"header": [], "body": [], "button": []}
    for component in raw:
        kind = component.get("type") if isinstance(component, dict) else None
        if not isinstance(kind, str) or kind.lower() not in grouped:
            raise GraphError(100, "components[].type must be one of header, body, button")
        grouped[kind.lower()].append(component)
    for kind in ("header", "body"):
        if len(grouped[kind]) > 1:
            raise GraphError(100, f"Only one {kind} component is allowed")
    return grouped


def _parameters(component: dict[str, Any], where: str) -> list[Any]:
    params = component.get("parameters", [])
    if not isinstance(params, list):
        raise GraphError(100, f"{where}: parameters must be an array")
    return params


def _text_value(param: dict[str, Any], where: str) -> str:
    text = param.get("text")
    if not isinstance(text, str) or not text:
        raise GraphError(131008, f"{where}: text parameter is missing")
    if _BAD_TEXT.search(text):
        raise GraphError(132018)
    return text


def _body_value(param: Any, where: str) -> tuple[str, str]:
    """(type, displayed value) of one body parameter, or the 132012/131008 Meta gives."""
    if not isinstance(param, dict):
        raise GraphError(100, f"{where}: parameter must be an object")
    kind = param.get("type")
    if kind == "text":
        return "text", _text_value(param, where)
    if kind == "currency":
        cur = param.get("currency")
        ok = (
            isinstance(cur, dict)
            and isinstance(cur.get("fallback_value"), str)
            and bool(cur["fallback_value"])
            and isinstance(cur.get("code"), str)
            and bool(_CURRENCY_CODE.match(cur["code"]))
            and type(cur.get("amount_1000")) is int
        )
        if not ok:
            raise GraphError(
                132012,
                f"{where}: currency needs fallback_value, an ISO 4217 code and an integer "
                "amount_1000",
            )
        assert isinstance(cur, dict)
        return "currency", str(cur["fallback_value"])
    if kind == "date_time":
        when = param.get("date_time")
        if not isinstance(when, dict) or not isinstance(when.get("fallback_value"), str):
            raise GraphError(132012, f"{where}: date_time needs fallback_value")
        return "date_time", str(when["fallback_value"])
    raise GraphError(132012, f"{where}: parameter type {kind!r} is not allowed in the body")


def _fill(body: str, key: str, value: str) -> str:
    """Replace ``{{key}}`` (spaces allowed inside the braces) with ``value`` verbatim."""
    pattern = re.compile(r"\{\{\s*" + re.escape(key) + r"\s*\}\}")
    return pattern.sub(lambda _match: value, body)


def _header(spec: TemplateConfig, comps: list[dict[str, Any]], out: RenderedTemplate) -> None:
    params = _parameters(comps[0], "header") if comps else []
    expected = _MEDIA_TYPES.get(spec.header_format)
    if expected is None:
        if params:
            raise GraphError(
                132000, f"header: number of params ({len(params)}) does not match expected (0)"
            )
        return
    received = params[0].get("type", "UNKNOWN") if params and isinstance(params[0], dict) else None
    if len(params) != 1 or received != expected:
        shown = str(received or "UNKNOWN").upper()
        raise GraphError(
            132012, f"header: Format mismatch, expected {spec.header_format}, received {shown}"
        )
    media = params[0].get(expected)
    if not isinstance(media, dict) or not (media.get("link") or media.get("id")):
        raise GraphError(131008, f"header: {expected} requires a link or an id")
    link = media.get("link")
    if link is not None and (
        not isinstance(link, str) or not link.startswith(("http://", "https://"))
    ):
        raise GraphError(100, f"header: {expected} link must be an http(s) URL")
    if isinstance(media.get("id"), str):
        out.media_ids.append(media["id"])
    out.header = {"type": expected, **{k: v for k, v in media.items() if isinstance(v, str)}}


def _body(spec: TemplateConfig, comps: list[dict[str, Any]], out: RenderedTemplate) -> None:
    params = _parameters(comps[0], "body") if comps else []
    if len(params) != spec.param_count:
        raise GraphError(
            132000,
            f"body: number of localizable_params ({len(params)}) does not match the expected "
            f"number of params ({spec.param_count})",
        )
    names = [p.name for p in spec.body_params]
    values: dict[str, tuple[str, str]] = {}
    for index, param in enumerate(params):
        kind, value = _body_value(param, f"body parameter {index + 1}")
        if spec.named_parameters:
            name = param.get("parameter_name")
            if not isinstance(name, str) or not name:
                raise GraphError(100, "Parameter name is missing or empty")
            if name not in names:
                raise GraphError(100, f"Parameter name '{name}' does not exist in the template")
            if name in values:
                raise GraphError(100, f"Parameter name '{name}' is given twice")
        else:
            name = names[index]
        values[name] = (kind, value)
    body = spec.body_text
    for position, name in enumerate(names, start=1):
        kind, value = values[name]
        out.parameters.append({"name": name, "type": kind, "value": value})
        key = name if spec.named_parameters else str(position)
        body = _fill(body, key, value)
    out.body = body


def _quick_reply(
    spec: TemplateConfig, comp: dict[str, Any], index: int, out: RenderedTemplate
) -> None:
    offset = 1 if spec.url_button is not None else 0
    position = index - offset
    if not 0 <= position < len(spec.quick_replies):
        raise GraphError(100, f"button at index {index} is not a quick-reply button")
    params = _parameters(comp, "button")
    payload = params[0].get("payload") if len(params) == 1 and isinstance(params[0], dict) else None
    if not isinstance(payload, str) or not payload or len(payload) > 256:
        raise GraphError(131008, f"buttons: quick reply at index {index} needs one payload")
    out.quick_replies[spec.quick_replies[position]] = payload


def _buttons(spec: TemplateConfig, comps: list[dict[str, Any]], out: RenderedTemplate) -> None:
    dynamic = spec.url_button is not None and spec.url_button.dynamic_suffix
    out.quick_replies = {text: text for text in spec.quick_replies}
    for comp in comps:
        index = str(comp.get("index", ""))
        sub_type = str(comp.get("sub_type", "")).lower()
        if sub_type == "quick_reply" and index.isdigit():
            _quick_reply(spec, comp, int(index), out)
            continue
        if not dynamic or index != "0" or sub_type != "url":
            raise GraphError(
                100, f"button at index {index or '?'} ({sub_type or '?'}) takes no parameter"
            )
        params = _parameters(comp, "button")
        if len(params) != 1 or not isinstance(params[0], dict) or params[0].get("type") != "text":
            raise GraphError(131008, "buttons: Button at index 0 of type Url requires a parameter")
        out.button_suffix = _text_value(params[0], "button")
    if dynamic and out.button_suffix is None:
        raise GraphError(131008, "buttons: Button at index 0 of type Url requires a parameter")


def check_template(template: Any, config: WhatsAppConfig) -> RenderedTemplate:
    """Validate a ``template`` object against the registered templates; 100/13xxxx on error."""
    if not isinstance(template, dict):
        raise GraphError(100, "The parameter template is required.")
    name = template.get("name")
    if not isinstance(name, str) or not name:
        raise GraphError(100, "The parameter template['name'] is required.")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        raise GraphError(100, "The parameter template['language']['code'] is required.")
    spec = config.template(name, code)
    if spec is None or spec.status != "APPROVED":
        raise GraphError(132001, f"template name ({name}) does not exist in {code}")
    comps = _components(template)
    out = RenderedTemplate(name=name, language=code, category=spec.category)
    _header(spec, comps["header"], out)
    _body(spec, comps["body"], out)
    _buttons(spec, comps["button"], out)
    return out


def template_id(name: str, language: str) -> str:
    """A stable numeric id per translation, like Meta's."""
    return str(int(hashlib.sha256(f"{name}/{language}".encode()).hexdigest(), 16))[:15]


def graph_template(spec: TemplateConfig, language: str) -> dict[str, Any]:
    """One translation as ``GET /{waba}/message_templates`` returns it."""
    components: list[dict[str, Any]] = []
    if spec.header_format == "TEXT":
        components.append({"type": "HEADER", "format": "TEXT", "text": spec.header_text})
    elif spec.header_format != "NONE":
        handle = f"4::{spec.name}-{spec.header_format.lower()}-example"
        components.append(
            {"type": "HEADER", "format": spec.header_format, "example": {"header_handle": [handle]}}
        )
    body: dict[str, Any] = {"type": "BODY", "text": spec.body_text}
    if spec.named_parameters:
        body["example"] = {
            "body_text_named_params": [
                {"param_name": p.name, "example": p.example} for p in spec.body_params
            ]
        }
    elif spec.body_params:
        body["example"] = {"body_text": [[p.example for p in spec.body_params]]}
    components.append(body)
    if spec.footer_text:
        components.append({"type": "FOOTER", "text": spec.footer_text})
    buttons: list[dict[str, Any]] = []
    if spec.url_button is not None:
        button: dict[str, Any] = {
            "type": "URL",
            "text": spec.url_button.text,
            "url": spec.url_button.url,
        }
        if spec.url_button.dynamic_suffix:
            button["example"] = [
                spec.url_button.url.replace("{{1}}", spec.url_button.example_suffix)
            ]
        buttons.append(button)
    buttons.extend({"type": "QUICK_REPLY", "text": text} for text in spec.quick_replies)
    if buttons:
        components.append({"type": "BUTTONS", "buttons": buttons})
    row: dict[str, Any] = {
        "name": spec.name,
        "parameter_format": "NAMED" if spec.named_parameters else "POSITIONAL",
        "components": components,
        "language": language,
        "status": spec.status,
        "category": spec.category,
        "id": template_id(spec.name, language),
    }
    if spec.rejected_reason:
        row["rejected_reason"] = spec.rejected_reason
    return row
