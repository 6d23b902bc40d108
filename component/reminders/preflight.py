"""Checking the policy's templates against WhatsApp before the first send.

A template that is missing, not approved in the stage's language, or registered with another
number of body parameters fails every send that uses it (132001, 132000). Finding that out by
sending would fail one customer's reminder per invoice; one ``GET message_templates`` call (when
the connection has the business account id) finds it before any send, and the problem is
reported once, blocking only the stages that use that template. The same listing gives the
templates' texts, so the run's report shows each message as the customer reads it; without it
(no connection, no business account id: a dry run needs neither) the shipped texts are used.
"""

from __future__ import annotations

import re
from typing import Any

from component import errors
from component.notify.templates import Texts
from component.reminders.blocks import Blocks, template_scope
from component.reminders.policy import Policy
from component.reminders.report import Report
from component.whatsapp.client import WhatsAppClient

_POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


async def check_templates(
    client: WhatsAppClient | None, policy: Policy, blocks: Blocks, report: Report
) -> Texts:
    """Block (once, with the reason) each template of the policy WhatsApp would refuse."""
    if client is None or not client.business_account_id:
        return Texts()
    try:
        listed = await client.list_templates()
    except errors.XeroWaError as exc:
        report.warn(f"the templates could not be checked before sending: {exc.message}")
        return Texts()
    registered = {(str(t.get("name")), str(t.get("language"))): t for t in listed}
    for name, language, params, needs in _uses(policy):
        problem = _problem(registered.get((name, language)), name, language, len(params), needs)
        if problem is not None:
            code, text = problem
            scope = template_scope(name, language)
            if blocks.problems.get(scope) is None:
                blocks.add(scope, code, text, report)
                blocks.problems[scope].stopped = 0
    return Texts.from_listing(listed)


def _uses(policy: Policy) -> list[tuple[str, str, list[str], set[str]]]:
    uses: list[tuple[str, str, list[str], set[str]]] = []
    for stage in policy.stages:
        needs = set()
        if stage.header == "pdf":
            needs.add("DOCUMENT")
        if stage.button == "payLink" and policy.pay_links.enabled:
            needs.add("URL")
        uses.append((stage.template, stage.language, list(stage.parameters or ()), needs))
    combined = policy.combined
    needs = {"URL"} if combined.button == "payLink" and policy.pay_links.enabled else set()
    uses.append((combined.template, combined.language, list(combined.parameters or ()), needs))
    return uses


def _problem(
    template: dict[str, Any] | None, name: str, language: str, count: int, needs: set[str]
) -> tuple[str, str] | None:
    if template is None:
        return "132001", f"template {name!r} does not exist in language {language!r}"
    status = template.get("status")
    if status != "APPROVED":
        return "132001", f"template {name!r} ({language}) is {status}, not APPROVED"
    components = template.get("components") or []
    body: dict[str, Any] = next((c for c in components if c.get("type") == "BODY"), {})
    text = str(body.get("text") or "")
    pattern = _NAMED if template.get("parameter_format") == "NAMED" else _POSITIONAL
    expected = len(set(pattern.findall(text)))
    if expected != count:
        return (
            "132000",
            f"template {name!r} ({language}) has {expected} body parameters, the policy sends "
            f"{count}",
        )
    header = next((c for c in components if c.get("type") == "HEADER"), None)
    if "DOCUMENT" in needs and (header is None or header.get("format") != "DOCUMENT"):
        return "132012", f"template {name!r} ({language}) has no DOCUMENT header for the PDF"
    if "DOCUMENT" not in needs and header is not None and header.get("format") == "DOCUMENT":
        return "132012", f"template {name!r} ({language}) needs a DOCUMENT header: set header: pdf"
    if "URL" in needs and not _has_url_button(components):
        return "131008", f"template {name!r} ({language}) has no URL button for the pay link"
    return None


def _has_url_button(components: list[dict[str, Any]]) -> bool:
    return any(
        component.get("type") == "BUTTONS"
        and any(b.get("type") == "URL" for b in component.get("buttons") or [])
        for component in components
    )
