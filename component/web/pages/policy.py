"""``/policy``: an organisation's reminder policy as a form and as YAML, previewed before saving.

Both editors end in the same YAML text, validated by the policy's own parser; problems are shown
beside the form field (or as YAML lines) and nothing is saved. Preview runs the reminder job as a
dry run with the edited policy (``sendPaymentReminders`` with ``dryRun``): it lists the message
each contact would get, with its exact text (also outside business hours, when the next run
allowed to send would send them), and why the others are skipped; it sends and writes nothing.
Save stores the text as the organisation's own copy of the policy.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from component import errors
from component.reminders.plan import NOT_BUSINESS_DAY, QUIET_HOURS
from component.reminders.policy import WEEKDAYS, parse_policy
from component.reminders.render import REASONS
from component.web import orgs, policy_form
from component.web.page import Page
from component.web.runner import invoke

FORM, YAML = "form", "yaml"
PREVIEW_LIMIT = 200
#: Why a dry run sends nothing now although messages are due (``reminders.plan``).
CLOSED = (QUIET_HOURS, NOT_BUSINESS_DAY)


async def show(page: Page) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    text = await page.db(orgs.policy_text, page.web.runtime, org) if org else ""
    return _render(page, known, org, text, policy_form.to_form(policy_form.load(text)))


async def submit(page: Page) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    todo = page.value("_do")
    source = YAML if todo.endswith("-yaml") else FORM
    if source == YAML:
        text = str(page.form.get("yaml") or "")
        shown = policy_form.to_form(policy_form.load(text))
    else:
        base = policy_form.load(str(page.form.get("base") or ""))
        data = policy_form.from_form(page.form, base)
        text = policy_form.dump(data)
        shown = policy_form.to_form(data)
    try:
        await asyncio.to_thread(parse_policy, text, "policy")
    except errors.InputError as exc:
        by_field, lines = policy_form.field_problems(exc)
        return _render(
            page,
            known,
            org,
            text,
            shown,
            status=400,
            errors=by_field,
            yaml_errors=lines,
            source=source,
        )
    if org is None:
        return _render(
            page, known, org, text, shown, status=409, notice="Connect an organisation first."
        )
    if todo.startswith("save"):
        try:
            await page.db(orgs.save_policy, page.web.runtime, org, text)
        except errors.InputError as exc:
            lines = [f"{p.field}: {p.reason}" for p in exc.problems]
            return _render(
                page, known, org, text, shown, status=400, yaml_errors=lines, source=source
            )
        return _render(
            page,
            known,
            org,
            text,
            shown,
            notice=f"Saved: {org.label} uses this policy from its next run.",
        )
    preview, failure = await _preview(page, org, text)
    return _render(page, known, org, text, shown, preview=preview, failure=failure, source=source)


async def _preview(page: Page, org: orgs.Org, text: str) -> tuple[dict[str, Any] | None, str]:
    inputs = {"dryRun": True, "includeEntries": True, "policy": text, "tenant": org.tenant_id}
    try:
        result = await invoke(page.web.executor, "sendPaymentReminders", inputs, org)
    except errors.XeroWaError as exc:
        return None, exc.message
    report: dict[str, Any] = result.get("data") or {}
    entries = [e for e in report.get("entries") or [] if isinstance(e, dict)]
    planned = [e for e in entries if e.get("outcome") == "planned"]
    # Outside business hours the run would send nothing now: its messages are still shown, with
    # their exact text, as the first run allowed to send would send them.
    held = [e for e in entries if e.get("outcome") == "skipped" and e.get("reason") in CLOSED]
    skipped = {REASONS.get(k, k): v for k, v in (report.get("skipped") or {}).items()}
    return {
        "planned": (planned + held)[:PREVIEW_LIMIT],
        "count": report.get("planned", len(planned)),
        "held": len(held),
        "closed": str(held[0].get("detail") or "") if held else "",
        "skipped": skipped,
    }, ""


def _render(
    page: Page,
    known: list[orgs.Org],
    org: orgs.Org | None,
    text: str,
    shown: policy_form.PolicyForm,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    context: dict[str, Any] = {
        "errors": {},
        "yaml_errors": [],
        "notice": "",
        "preview": None,
        "failure": "",
        "source": FORM,
        **extra,
    }
    return page.render(
        "policy.html",
        status,
        orgs=known,
        org=org,
        yaml_text=text,
        form=shown,
        weekdays=WEEKDAYS,
        buttons=policy_form.BUTTONS,
        headers=policy_form.HEADERS,
        **context,
    )
