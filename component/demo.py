"""``make demo``: a real reminder run on the built-in sandbox, no credentials, a few seconds.

It runs exactly what ``xero-wa remind --sandbox`` runs (``sendPaymentReminders`` through the
executor, like every front end): the reminder job against the in-process
Xero and WhatsApp sandbox with its demo organisation (messy phone numbers included), with state
in ``XERO_WA_HOME`` (``make demo`` sets ``./.xero-wa-demo``; otherwise the per-user data
folder). Run it twice: the second run finds every reminder
already in the outbox and sends nothing new.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from component.config import get_settings
from component.executor import Executor
from component.reminders.policy import load_policy
from component.reminders.render import has_failures, render
from component.reminders.sandbox import demo_policy, demo_sandbox, policy_text
from component.runtime import Runtime

if TYPE_CHECKING:
    from component.sandbox.embedded import EmbeddedSandbox


async def run_demo() -> tuple[dict[str, Any], EmbeddedSandbox]:
    """``sendPaymentReminders`` on the sandbox, through the executor like every front end."""
    settings = get_settings()
    sandbox = demo_sandbox(settings)
    runtime = Runtime(settings=sandbox.settings, transport=sandbox.transport, clock=sandbox.clock)
    connections = sandbox.demo_connections
    inputs = {
        "policy": policy_text(demo_policy(load_policy())),
        "whatsappConnection": connections["whatsapp"],
        "includeEntries": True,
    }
    try:
        result = await Executor(runtime).invoke(
            "sendPaymentReminders", inputs, connections["xero"], source="cli"
        )
    finally:
        await runtime.aclose()
    report: dict[str, Any] = result["data"]
    return report, sandbox


def explain(report: dict[str, Any], sandbox: EmbeddedSandbox, console: Console) -> None:
    home = get_settings().store_path
    received = sandbox.state.whatsapp.message_list()
    console.print(f"WhatsApp sandbox: {len(received)} message(s) received in this run.")
    if received:
        first = received[0]
        body = (first.get("template") or {}).get("rendered_body", "")
        console.print(f'  e.g. to {escape(first["to"])}: [italic]"{escape(body)}"[/]')
        console.print(
            f"Run [bold]make demo[/] again: the outbox in {escape(str(home))} remembers each "
            "(invoice, stage), so nothing is sent twice."
        )
    elif (report.get("skipped") or {}).get("already_sent"):
        console.print(
            f"[green]Nothing new was sent[/]: {report['skipped']['already_sent']} invoice(s) "
            f"already had this stage's reminder (outbox in {escape(str(home))})."
        )


def main() -> int:
    console = Console(emoji=False)  # data from Xero is printed as written
    console.print(
        "[bold]xero-wa demo[/]: WhatsApp payment reminders for overdue Xero invoices, on the "
        "built-in sandbox (no credentials)."
    )
    report, sandbox = asyncio.run(run_demo())
    tenants = report.get("tenants") or [{}]
    tenant = tenants[0]
    console.print(
        f"Organisation {escape(str(tenant.get('name')))} ({tenant.get('timeZone')}), as of "
        f"{tenant.get('asOf')}: {tenant.get('listed', 0)} invoice(s) due or overdue."
    )
    render(report, console)
    explain(report, sandbox, console)
    return 7 if has_failures(report) else 0


if __name__ == "__main__":
    sys.exit(main())
