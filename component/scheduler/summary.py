"""The owner's summary after a scheduled run: a log line always, a WhatsApp message when asked.

"Demo Company (IN) reminders: 12 sent, 3 skipped, 1 failed; needs attention: 1 outcome unknown
(see `xero-wa remind --review`)". The message goes to the organisation's owner number (``orgs
set --owner-phone``, default ``XERO_WA_OWNER_PHONE``) from the organisation's WhatsApp
connection, as the approved template ``XERO_WA_SUMMARY_TEMPLATE`` (default ``run_summary``) with
five body parameters: organisation, sent, skipped, failed, what needs attention. A summary that
cannot be sent is logged, never retried and never fails the run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from component import errors
from component.notify.template_needs import need
from component.scheduler.jobs import JobContext, JobResult
from component.whatsapp.client import WhatsAppClient
from component.whatsapp.template_check import Requirement

if TYPE_CHECKING:
    from component.orgs.view import Organisation

log = logging.getLogger("xero_wa.scheduler.summary")


#: The summary template's body parameters, in order (see ``parameters`` in :func:`tell_owner`).
SUMMARY_PARAMETERS = ("organisation", "sent", "skipped", "failed", "attention")


def requirement(template: str, language: str) -> Requirement:
    """The summary template as :func:`tell_owner` sends it (five text parameters)."""
    return need(
        template,
        language,
        "run summary to the owner",
        parameters=SUMMARY_PARAMETERS,
        named=False,
        pdf=False,
        pay_link=False,
    )


def counts(report: dict[str, Any]) -> tuple[int, int, int]:
    skipped = sum(int(n) for n in (report.get("skipped") or {}).values())
    failed = sum(int(n) for n in (report.get("failed") or {}).values())
    return int(report.get("sent") or 0), skipped, failed


def attention(report: dict[str, Any], crashed: str | None) -> str:
    """What a person must look at, in one phrase ("nothing" when all went well)."""
    if crashed:
        return f"the run failed: {crashed}"
    items = [f"{p.get('code')} {p.get('message')}" for p in report.get("configurationErrors") or []]
    review = len(report.get("needsReview") or [])
    if review:
        items.append(f"{review} outcome(s) unknown (see `xero-wa remind --review`)")
    items += [f"{n} failed with {code}" for code, n in (report.get("failed") or {}).items()]
    return "; ".join(items) if items else "nothing"


def text(org: Organisation, job: str, report: dict[str, Any], crashed: str | None) -> str:
    sent, skipped, failed = counts(report)
    return (
        f"{org.name} {job}: {sent} sent, {skipped} skipped, {failed} failed; "
        f"needs attention: {attention(report, crashed)}"
    )


async def tell_owner(
    ctx: JobContext, org: Organisation, job: str, result: JobResult, crashed: str | None
) -> str:
    """Log the summary and, when an owner number is set, send it on WhatsApp."""
    line = text(org, job, result.summary, crashed)
    log.info("run %s summary: %s", result.run_id, line)
    owner = org.row.owner_phone or ctx.defaults.owner_phone
    if not owner:
        return line
    sent, skipped, failed = counts(result.summary)
    parameters = [
        org.name,
        str(sent),
        str(skipped),
        str(failed),
        attention(result.summary, crashed),
    ]
    components = [
        {"type": "body", "parameters": [{"type": "text", "text": p[:1000]} for p in parameters]}
    ]
    try:
        client = WhatsAppClient(ctx.runtime, await ctx.whatsapp(org))
        await client.send_template(
            owner,
            ctx.config.xero_wa_summary_template,
            ctx.config.xero_wa_summary_language,
            components,
            callback_data=f"summary:{result.run_id}",
        )
    except errors.XeroWaError as exc:
        log.warning("run %s: summary not sent to the owner: %s", result.run_id, exc.message)
    return line
