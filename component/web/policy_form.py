"""The reminder policy as a web form, and a submitted form back as policy YAML.

The form edits the parts an owner changes (stages, templates, quiet hours, business days,
minimum amounts, the opt-out group, history notes and e-mail fallback); every other setting of
the policy is kept as it was, because the form is laid over the policy it was rendered from
(``base``, carried in the form). Validation is the policy's own (``parse_policy``); its problems
come back keyed by the form field they belong to (``stages-1-days``), so each is shown beside its
field, and by YAML line for the YAML editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from starlette.datastructures import FormData

from component import bounded_yaml, errors
from component.reminders.policy import WEEKDAYS

MAX_STAGES = 12
#: "" leaves the choice to the template's own declaration (component/notify/templates.py).
BUTTONS = ("", "none", "payLink")
HEADERS = ("", "none", "pdf")
PROBLEM = re.compile(r"^[^:]*:(?P<line>\d+): (?P<loc>.+)$")


@dataclass
class StageRow:
    key: str = ""
    days: str = ""
    template: str = ""
    language: str = "en"
    button: str = ""
    header: str = ""


@dataclass
class PolicyForm:
    stages: list[StageRow] = field(default_factory=list)
    combined_template: str = ""
    combined_language: str = "en"
    quiet_start: str = ""
    quiet_end: str = ""
    business_days: list[str] = field(default_factory=list)
    minimum_default: str = ""
    minimum_by_currency: str = ""
    stop_after_days: str = ""
    optout_group: str = ""
    optout_replies: bool = True
    history_notes: bool = False
    email_fallback: bool = False


def load(text: str) -> dict[str, Any]:
    """The policy YAML as a dict ({} when it is not a mapping: validation says why later)."""
    try:
        data = bounded_yaml.load(text).data
    except bounded_yaml.YamlProblem:
        return {}
    return data if isinstance(data, dict) else {}


def to_form(data: dict[str, Any]) -> PolicyForm:
    """What the form shows for a policy dict (as written in YAML, camelCase)."""
    rows = [
        StageRow(
            key=str(s.get("key") or ""),
            days=str(s.get("days") if s.get("days") is not None else ""),
            template=str(s.get("template") or ""),
            language=str(s.get("language") or "en"),
            button=str(s.get("button") or ""),
            header=str(s.get("header") or ""),
        )
        for s in data.get("stages") or []
        if isinstance(s, dict)
    ]
    combined = _map(data.get("combined"))
    quiet = _map(data.get("quietHours"))
    minimum = _map(data.get("minimumAmount"))
    optout = _map(data.get("optOut"))
    by_currency = _map(minimum.get("byCurrency"))
    return PolicyForm(
        stages=[*rows, StageRow()][:MAX_STAGES],
        combined_template=str(combined.get("template") or ""),
        combined_language=str(combined.get("language") or "en"),
        quiet_start=_text(quiet.get("start")),
        quiet_end=_text(quiet.get("end")),
        business_days=[str(d) for d in data.get("businessDays") or list(WEEKDAYS)],
        minimum_default=_text(minimum.get("default")),
        minimum_by_currency="\n".join(f"{k}={v}" for k, v in by_currency.items()),
        stop_after_days=_text(data.get("stopAfterDays")),
        optout_group=_text(optout.get("contactGroup")),
        optout_replies=bool(optout.get("replies", True)),
        history_notes=bool(_map(data.get("historyNotes")).get("enabled", False)),
        email_fallback=bool(_map(data.get("emailFallback")).get("enabled", False)),
    )


def from_form(form: FormData, base: dict[str, Any]) -> dict[str, Any]:
    """The policy dict: ``base`` with the form's fields laid over it."""
    data = dict(base)
    stages = []
    old = {str(s.get("key")): s for s in base.get("stages") or [] if isinstance(s, dict)}
    for i in range(MAX_STAGES):
        key = _get(form, f"stages-{i}-key")
        if not key:
            continue
        stage = dict(old.get(key, {}))
        stage.update(
            key=key,
            days=_number(_get(form, f"stages-{i}-days")),
            template=_get(form, f"stages-{i}-template"),
            language=_get(form, f"stages-{i}-language") or "en",
        )
        for name in ("button", "header"):
            chosen = _get(form, f"stages-{i}-{name}")
            if chosen:
                stage[name] = chosen
            else:
                stage.pop(name, None)  # as the template declares
        stages.append(stage)
    data["stages"] = stages
    combined = dict(_map(base.get("combined")))
    combined.update(
        template=_get(form, "combined-template"), language=_get(form, "combined-language") or "en"
    )
    data["combined"] = combined
    start, end = _get(form, "quietHours-start"), _get(form, "quietHours-end")
    data["quietHours"] = {"start": start, "end": end} if start or end else None
    data["businessDays"] = [d for d in WEEKDAYS if d in form.getlist("businessDays")]
    minimum = dict(_map(base.get("minimumAmount")))
    minimum["default"] = _get(form, "minimumAmount-default") or "0"
    minimum["byCurrency"] = _pairs(_get(form, "minimumAmount-byCurrency"))
    data["minimumAmount"] = minimum
    data["stopAfterDays"] = (
        _number(_get(form, "stopAfterDays")) if _get(form, "stopAfterDays") else None
    )
    optout = dict(_map(base.get("optOut")))
    optout.update(
        contactGroup=_get(form, "optOut-contactGroup") or None,
        replies=form.get("optOut-replies") == "yes",
    )
    data["optOut"] = optout
    data["historyNotes"] = {"enabled": form.get("historyNotes-enabled") == "yes"}
    data["emailFallback"] = {"enabled": form.get("emailFallback-enabled") == "yes"}
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def field_problems(exc: errors.InputError) -> tuple[dict[str, str], list[str]]:
    """Problems by form field (``stages-1-days``) and as ``line N: field: reason`` lines."""
    by_field: dict[str, str] = {}
    lines: list[str] = []
    for problem in exc.problems:
        found = PROBLEM.match(problem.field)
        if found is None:
            lines.append(f"{problem.field}: {problem.reason}")
            continue
        loc = found.group("loc")
        lines.append(f"line {found.group('line')}: {loc}: {problem.reason}")
        by_field.setdefault(_field_id(loc), problem.reason)
    return by_field, lines


def _field_id(loc: str) -> str:
    """``stages.1.days`` → ``stages-1-days``; ``quietHours.start`` → ``quietHours-start``."""
    parts = loc.split(".")
    if parts[0] == "minimumAmount" and len(parts) > 1 and parts[1] == "byCurrency":
        return "minimumAmount-byCurrency"
    if parts[0] in ("businessDays", "stopAfterDays", "stages") and len(parts) <= 2:
        return parts[0]
    return "-".join(parts[:3])


def _pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        code, _, amount = line.partition("=")
        if code.strip():
            out[code.strip().upper()] = amount.strip()
    return out


def _number(text: str) -> int | str:
    """An integer when the text is one, else the text (validation then names the field)."""
    stripped = text.strip()
    return int(stripped) if re.fullmatch(r"-?\d{1,6}", stripped) else stripped


def _get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:512] if isinstance(value, str) else ""


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)
