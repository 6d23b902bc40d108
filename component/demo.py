"""``make demo``: a real reminder run on the built-in sandbox, no credentials, a few seconds.

It runs exactly what ``xero-wa remind --sandbox`` runs: the reminder job against the in-process
Xero and WhatsApp sandbox with its demo organisation (messy phone numbers included), with state
in ``XERO_WA_HOME`` (default ``./.xero-wa``). Run it twice: the second run finds every reminder
already in the outbox and sends nothing new.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from rich.console import Console

from component import sessions
from component.config import get_settings
from component.reminders.policy import load_policy
from component.reminders.render import render
from component.reminders.run import RunOptions, run_reminders
from component.reminders.sandbox import demo_policy, demo_sandbox
from component.runtime import Runtime

if TYPE_CHECKING:
    from component.reminders.report import Report
    from component.sandbox.embedded import EmbeddedSandbox


async def run_demo() -> tuple[Report, EmbeddedSandbox]:
    settings = get_settings()
    sandbox = demo_sandbox(settings)
    runtime = Runtime(settings=sandbox.settings, transport=sandbox.transport, clock=sandbox.clock)
    try:
        xero = await sessions.resolve(runtime, sandbox.demo_connections["xero"], "xero")
        whatsapp = await sessions.resolve(runtime, sandbox.demo_connections["whatsapp"], "whatsapp")
        policy = demo_policy(load_policy())
        report = await run_reminders(runtime, xero, whatsapp, RunOptions(policy))
    finally:
        await runtime.aclose()
    return report, sandbox


def explain(report: Report, sandbox: EmbeddedSandbox, console: Console) -> None:
    home = get_settings().store_path
    received = sandbox.state.whatsapp.message_list()
    console.print(f"WhatsApp sandbox: {len(received)} message(s) received in this run.")
    if received:
        first = received[0]
        body = (first.get("template") or {}).get("rendered_body", "")
        console.print(f'  e.g. to {first["to"]}: [italic]"{body}"[/]')
        console.print(
            f"Run [bold]make demo[/] again: the outbox in {home} remembers each "
            "(invoice, stage), so nothing is sent twice."
        )
    elif report.skipped.get("already_sent"):
        console.print(
            f"[green]Nothing new was sent[/]: {report.skipped['already_sent']} invoice(s) already "
            f"had this stage's reminder (outbox in {home})."
        )


def main() -> int:
    console = Console()
    console.print(
        "[bold]xero-wa demo[/]: WhatsApp payment reminders for overdue Xero invoices, on the "
        "built-in sandbox (no credentials)."
    )
    report, sandbox = asyncio.run(run_demo())
    tenant = report.tenants[0] if report.tenants else {}
    console.print(
        f"Organisation {tenant.get('name')} ({tenant.get('timeZone')}), as of "
        f"{tenant.get('asOf')}: {tenant.get('listed', 0)} invoice(s) due or overdue."
    )
    render(report, console)
    explain(report, sandbox, console)
    return 7 if report.has_failures else 0


if __name__ == "__main__":
    sys.exit(main())
