"""Does the WhatsApp account have the templates the product will send, as it will send them?

A send whose template does not match what is registered fails at Meta with 132000 (parameter
count), 132001 (missing, wrong language, not approved) or 132012 (parameter format), on the
first customer of the day; worse, a template Meta filed under MARKETING is sent without error
and billed several times over. :func:`check` finds all of it before any send, from the account's
listing (``GET /{waba-id}/message_templates``) and what the policy and alerts declare
(:class:`Requirement`, gathered by ``component.notify.template_needs``):

- the template exists in that language (naming the languages it does exist in), and is APPROVED
  (PENDING, REJECTED with Meta's reason, PAUSED, DISABLED are failures);
- its category is UTILITY: MARKETING fails, loudly (the cost, and marketing limits apply);
- the body has as many parameters as the send gives, in the same format (``{{1}}`` positional or
  ``{{name}}`` named, and then with the same names); Meta's listing has no parameter types, so a
  currency or date parameter is checked by its slot only;
- the header is a DOCUMENT exactly when the send attaches the invoice PDF (Meta has no optional
  headers);
- the buttons: a URL button whose URL ends in ``{{1}}`` when the send gives a pay-link suffix (and
  none that needs one when it does not); the shipped reminders' QUICK_REPLY buttons (Paid
  already, Need more time, Stop reminders) after it: missing ones are a warning (customers can
  still type their answer).

Pure functions over plain data: no I/O, so every rule has a unit test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Requirement:
    """One (template, language) the product sends, and how it fills it."""

    name: str
    language: str
    #: Who sends it ("policy stage overdue_7", "invoice alert", ...), for the report.
    used_by: tuple[str, ...]
    #: Body parameter names in the send's order, and their types (text, currency, date_time).
    parameters: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    named: bool = False
    #: The invoice PDF as a DOCUMENT header.
    document_header: bool = False
    #: A dynamic URL button suffix (the pay link) is sent.
    url_button: bool = False
    #: Quick-reply buttons the shipped template has (Paid already, Need more time, Stop
    #: reminders): without them customers cannot tap, only type (a warning, not a failure).
    quick_replies: int = 0

    def describe(self) -> str:
        return f"{self.name} ({self.language})"


@dataclass(frozen=True)
class Finding:
    """One problem: which template, what is wrong, and what to do about it."""

    template: str
    language: str
    severity: Severity
    problem: str
    fix: str
    used_by: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "language": self.language,
            "severity": self.severity,
            "problem": self.problem,
            "fix": self.fix,
            "usedBy": list(self.used_by),
        }


@dataclass
class Report:
    """The outcome of a check: every requirement, with its findings (none: it matches)."""

    checked: list[Requirement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": [
                {"template": r.name, "language": r.language, "usedBy": list(r.used_by)}
                for r in self.checked
            ],
            "findings": [f.to_json() for f in self.findings],
        }


def check(requirements: Iterable[Requirement], listing: Iterable[Mapping[str, Any]]) -> Report:
    """Compare each requirement with the account's templates (``list_templates`` rows)."""
    rows = [r for r in listing if isinstance(r, Mapping)]
    report = Report()
    for need in merge(requirements):
        report.checked.append(need)
        report.findings.extend(_check_one(need, rows))
    return report


def merge(requirements: Iterable[Requirement]) -> list[Requirement]:
    """One requirement per (name, language); uses joined. Two uses that fill the same template
    differently cannot both work: the first is kept, the other reported by :func:`check` as it
    differs from the account's template anyway."""
    merged: dict[tuple[str, str], Requirement] = {}
    for need in requirements:
        key = (need.name, need.language)
        known = merged.get(key)
        if known is None:
            merged[key] = need
            continue
        uses = tuple(dict.fromkeys(known.used_by + need.used_by))
        merged[key] = Requirement(**{**known.__dict__, "used_by": uses})
    return list(merged.values())


def _check_one(need: Requirement, rows: Sequence[Mapping[str, Any]]) -> list[Finding]:
    def finding(problem: str, fix: str, severity: Severity = "error") -> Finding:
        return Finding(need.name, need.language, severity, problem, fix, need.used_by)

    named = [r for r in rows if r.get("name") == need.name]
    row = next((r for r in named if r.get("language") == need.language), None)
    if row is None:
        elsewhere = sorted({str(r.get("language")) for r in named})
        if elsewhere:
            return [
                finding(
                    f"missing language {need.language} (the template exists in "
                    f"{', '.join(elsewhere)})",
                    "add the translation (`xero-wa templates submit`), or change the language "
                    "the policy or alert uses",
                )
            ]
        return [
            finding(
                "does not exist on the WhatsApp account",
                "create it (`xero-wa templates submit` for the shipped ones) or correct the name",
            )
        ]
    found = _status(row, finding) + _category(row, finding)
    return found + _structure(need, row, finding)


def _status(row: Mapping[str, Any], finding: Any) -> list[Finding]:
    status = str(row.get("status") or "").upper()
    if status == "APPROVED":
        return []
    if status in ("PENDING", "IN_APPEAL"):
        return [finding(f"is {status}: Meta has not approved it yet", "wait for review")]
    reason = row.get("rejected_reason")
    why = f" ({reason})" if reason and reason != "NONE" else ""
    return [
        finding(
            f"is {status or 'of unknown status'}{why}: it cannot be sent",
            "fix the text and submit it again under a new name, or in WhatsApp Manager",
        )
    ]


def _category(row: Mapping[str, Any], finding: Any) -> list[Finding]:
    category = str(row.get("category") or "").upper()
    if category == "UTILITY":
        return []
    if category == "MARKETING":
        return [
            finding(
                "!!! is filed under MARKETING, not UTILITY: every message costs several times a "
                "utility message, counts against marketing limits and customers' marketing "
                "opt-outs",
                "reword it as a plain transactional notice (no offers, no promotional words) "
                "and submit it again as UTILITY, or appeal the category in WhatsApp Manager",
            )
        ]
    return [finding(f"has category {category or 'none'}, not UTILITY", "use a UTILITY template")]


def _structure(need: Requirement, row: Mapping[str, Any], finding: Any) -> list[Finding]:
    components = [c for c in row.get("components") or [] if isinstance(c, Mapping)]
    by_type = {str(c.get("type") or "").upper(): c for c in components}
    found = _body(need, row, str(by_type.get("BODY", {}).get("text") or ""), finding)
    header = str(by_type.get("HEADER", {}).get("format") or "NONE").upper()
    if need.document_header and header != "DOCUMENT":
        found.append(
            finding(
                f"has header {header}, but the invoice PDF is sent as a DOCUMENT header",
                "use a template with a DOCUMENT header, or header: none in the policy",
            )
        )
    elif not need.document_header and header not in ("NONE", "TEXT"):
        found.append(
            finding(
                f"has a {header} header that would be sent empty (Meta has no optional headers)",
                "use the template without a header, or header: pdf in the policy",
            )
        )
    buttons = [b for b in by_type.get("BUTTONS", {}).get("buttons") or [] if isinstance(b, Mapping)]
    return found + _buttons(need, buttons, finding)


def _body(need: Requirement, row: Mapping[str, Any], text: str, finding: Any) -> list[Finding]:
    fmt = str(row.get("parameter_format") or "").upper()
    named = fmt == "NAMED" or (not fmt and not POSITIONAL.search(text) and bool(NAMED.search(text)))
    found: list[Finding] = []
    if named != need.named:
        have, want = ("named", "positional") if named else ("positional", "named")
        found.append(
            finding(
                f"uses {have} parameters but the send gives {want} ones",
                f"set namedParameters: {str(named).lower()} in the policy (or the alert's "
                "…_NAMED setting), or use a template of the other format",
            )
        )
        return found
    slots = list(dict.fromkeys((NAMED if named else POSITIONAL).findall(text)))
    if len(slots) != len(need.parameters):
        found.append(
            finding(
                f"has {len(slots)} body parameter(s) but the send gives {len(need.parameters)} "
                f"({', '.join(need.parameters) or 'none'})",
                "make the parameters list match the template's {{…}} placeholders",
            )
        )
    elif named and set(slots) != set(need.parameters):
        found.append(
            finding(
                f"names its parameters {', '.join(sorted(slots))} but the send gives "
                f"{', '.join(sorted(need.parameters))}",
                "use the template's parameter names in the policy's parameters list",
            )
        )
    return found


def _buttons(
    need: Requirement, buttons: Sequence[Mapping[str, Any]], finding: Any
) -> list[Finding]:
    kinds = [str(b.get("type") or "").upper() for b in buttons]
    found: list[Finding] = []
    url = next((b for b in buttons if str(b.get("type") or "").upper() == "URL"), None)
    dynamic = url is not None and str(url.get("url") or "").rstrip().endswith("{{1}}")
    if need.url_button and not dynamic:
        found.append(
            finding(
                "has no URL button ending in {{1}}, but the send gives the pay-link suffix",
                "add a URL button https://in.xero.com/{{1}}, or button: none in the policy",
            )
        )
    if not need.url_button and dynamic:
        found.append(
            finding(
                "has a URL button that needs a suffix, but the send gives none",
                "set button: payLink in the policy, or use a template without that button",
            )
        )
    quick = kinds.count("QUICK_REPLY")
    if quick < need.quick_replies:
        shown = ", ".join(kinds) or "none"
        found.append(
            finding(
                f"buttons are {shown}: {need.quick_replies} quick replies expected (Paid "
                "already, Need more time, Stop reminders); customers can only type their answer",
                "submit the shipped template (`xero-wa templates submit`) with its buttons",
                "warning",
            )
        )
    return found
