"""``xero-wa remind``: send the payment reminders that are due (or show the plan, or the review list).

Exit codes: 0 when everything due was sent (or rightly skipped); 7 when the run finished but
something failed (a refused send, a configuration error, a send whose outcome is unknown); the
usual codes (2 input, 4 connection, 5 upstream...) when the run could not take place at all.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from component.cli.app import add_target_options

if TYPE_CHECKING:
    from component.reminders.report import Report
    from component.runtime import Runtime
    from component.sessions import Session

#: The run finished, but at least one reminder failed or needs review (see README, exit codes).
EXIT_FINISHED_WITH_FAILURES = 7


def register(commands: Any) -> None:
    p = commands.add_parser(
        "remind",
        help="send the WhatsApp payment reminders that are due",
        description="Send each overdue invoice's reminder once, following the reminder policy.",
    )
    p.add_argument("--policy", metavar="FILE", help="reminders.yaml (default: the shipped policy)")
    p.add_argument("--as-of", metavar="DATE", help="plan for this day (YYYY-MM-DD; default today)")
    p.add_argument(
        "--tenant",
        action="append",
        metavar="NAME|ID|all",
        help="organisation(s) of the connection (repeatable; 'all' for every one)",
    )
    xero = p.add_mutually_exclusive_group()
    xero.add_argument("--connection", metavar="NAME", help="the stored Xero connection")
    xero.add_argument("--connection-value", metavar="JSON", help="an inline Xero connection")
    wa = p.add_mutually_exclusive_group()
    wa.add_argument("--whatsapp-connection", metavar="NAME", help="the stored WhatsApp connection")
    wa.add_argument(
        "--whatsapp-connection-value", metavar="JSON", help="an inline WhatsApp connection"
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan; send nothing")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument(
        "--review",
        action="store_true",
        help="list reminders whose outcome is unknown (held for review) and exit",
    )
    p.add_argument("--concurrency", type=int, default=16, help=argparse.SUPPRESS)
    add_target_options(p)
    p.set_defaults(handler=cmd_remind)


def cmd_remind(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit

    if args.review:
        return _review(args)
    report = asyncio.run(_run(args))
    if args.json:
        emit(report.to_json())
    else:
        from rich.console import Console

        from component.reminders.render import render

        render(report, Console())
    return EXIT_FINISHED_WITH_FAILURES if report.has_failures else 0


async def _run(args: argparse.Namespace) -> Report:
    from component.reminders.run import RunOptions, run_reminders

    runtime, defaults, policy = _setup(args)
    try:
        xero = await _session(runtime, args.connection, args.connection_value, "xero", defaults)
        whatsapp = await _session(
            runtime, args.whatsapp_connection, args.whatsapp_connection_value, "whatsapp", defaults
        )
        options = RunOptions(
            policy=policy,
            as_of=_as_of(args.as_of),
            dry_run=args.dry_run,
            tenants=tuple(args.tenant) if args.tenant else None,
            concurrency=max(1, args.concurrency),
        )
        with _progress(enabled=not args.json) as progress:
            options = _with_progress(options, progress)
            return await run_reminders(runtime, xero, whatsapp, options)
    finally:
        await runtime.aclose()


def _setup(args: argparse.Namespace) -> tuple[Runtime, dict[str, Any], Any]:
    """The runtime (sandbox or real), default connection values, and the policy."""
    from pathlib import Path

    from component.config import get_settings
    from component.reminders.policy import load_policy
    from component.runtime import Runtime

    settings = get_settings()
    policy = load_policy(Path(args.policy) if args.policy else None)
    if not args.sandbox:
        return Runtime(settings=settings), {}, policy
    from component.reminders.sandbox import demo_policy, demo_sandbox

    sandbox = demo_sandbox(settings)
    runtime = Runtime(settings=sandbox.settings, transport=sandbox.transport, clock=sandbox.clock)
    return runtime, sandbox.demo_connections, policy if args.policy else demo_policy(policy)


async def _session(
    runtime: Runtime, name: str | None, value: str | None, family: str, defaults: dict[str, Any]
) -> Session:
    from component import sessions

    connection: Any = name
    if value:
        flag = "--connection-value" if family == "xero" else "--whatsapp-connection-value"
        connection = sessions.parse_value(value, source=flag)
    if connection is None:
        connection = defaults.get(family)
    return await sessions.resolve(runtime, connection, family)


def _as_of(text: str | None) -> Any:
    if not text:
        return None
    from datetime import date

    from component import errors

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.InputError.single("--as-of", f"{text!r} is not a date (YYYY-MM-DD)") from None


def _progress(*, enabled: bool) -> Any:
    """A progress bar on a terminal; a no-op context otherwise."""
    import contextlib

    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        return contextlib.nullcontext(None)
    from rich.progress import Progress

    return Progress(console=console, transient=True)


def _with_progress(options: Any, progress: Any) -> Any:
    if progress is None:
        return options
    from dataclasses import replace

    task = progress.add_task("Reminders (contacts)", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return replace(options, on_progress=advance)


def _review(args: argparse.Namespace) -> int:
    """Reminders held for review: sent or not? Check the customer's chat or the status webhook."""
    import asyncio

    from component.cli.output import emit
    from component.config import get_settings
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())
    try:
        rows = runtime.store.outbox.needs_review()
    finally:
        asyncio.run(runtime.aclose())
    held = [
        {
            "key": m.key,
            "state": m.state,
            "tenantId": m.tenant_id,
            "recipient": m.recipient,
            "contact": m.details.get("contact"),
            "invoices": [i.get("number") for i in m.details.get("invoices", [])],
            "since": m.updated_at,
            "why": m.error_message or "the run stopped while sending",
        }
        for m in rows
    ]
    if args.json:
        emit({"needsReview": held})
    else:
        from rich.console import Console

        console = Console()
        if not held:
            console.print("No reminder needs review.")
        for item in held:
            console.print(
                f"[yellow]?[/] {item['contact']} {item['recipient']} "
                f"({', '.join(str(n) for n in item['invoices'] or [])}) — {item['why']} "
                f"[dim]key {item['key']}[/]"
            )
    return 0
