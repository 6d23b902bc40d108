"""``xero-wa remind``: send the payment reminders that are due (or show the plan, or the review list).

Exit codes: 0 when everything due was sent (or rightly skipped); 7 when the run finished but
something failed (a refused send, a configuration error, a send whose outcome is unknown); the
usual codes (2 input, 4 connection, 5 upstream...) when the run could not take place at all.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from component.cli.app import add_target_options
from component.cli.types import iso_date, readable_file

if TYPE_CHECKING:
    from component.reminders.report import Entry
    from component.runtime import Runtime

#: The run finished, but at least one reminder failed or needs review (see README, exit codes).
EXIT_FINISHED_WITH_FAILURES = 7


def register(commands: Any) -> None:
    p = commands.add_parser(
        "remind",
        help="send the WhatsApp payment reminders that are due",
        description="Send each overdue invoice's reminder once, following the reminder policy.",
    )
    p.add_argument(
        "--policy",
        metavar="FILE",
        type=readable_file,
        help="reminders.yaml (default: the shipped policy)",
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        type=iso_date,
        help="plan for this day (YYYY-MM-DD; default today)",
    )
    p.add_argument(
        "--tenant",
        action="append",
        metavar="NAME|ID|all",
        help="organisation(s) of the connection (repeatable; 'all' for every one)",
    )
    xero = p.add_mutually_exclusive_group()
    xero.add_argument("--connection", metavar="NAME", help="the stored Xero connection")
    xero.add_argument(
        "--connection-value",
        metavar="JSON",
        help="an inline Xero connection (@FILE: from a file; -: from stdin)",
    )
    wa = p.add_mutually_exclusive_group()
    wa.add_argument("--whatsapp-connection", metavar="NAME", help="the stored WhatsApp connection")
    wa.add_argument(
        "--whatsapp-connection-value",
        metavar="JSON",
        help="an inline WhatsApp connection (@FILE: from a file; -: from stdin)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan; send nothing")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the report as JSON lines: one per entry as it happens, then the summary",
    )
    p.add_argument(
        "--details",
        action="store_true",
        help="print every entry (sent, failed, skipped and why) as it happens",
    )
    p.add_argument(
        "--review",
        action="store_true",
        help="list reminders whose outcome is unknown (held for review) and exit",
    )
    add_target_options(p)
    p.set_defaults(handler=cmd_remind)


def cmd_remind(args: argparse.Namespace) -> int:
    if args.review:
        return _review(args)
    from component import event_loop
    from component.reminders.report import ENTRY_SINK

    stream = _stream(args)
    token = ENTRY_SINK.set(stream.entry)  # entries go out as they are made, none is kept
    try:
        report = event_loop.run(_run(args))
    finally:
        ENTRY_SINK.reset(token)
    stream.finish(report)
    from component.reminders.render import has_failures

    return EXIT_FINISHED_WITH_FAILURES if has_failures(report) else 0


class _JsonLines:
    """``--json``: one JSON line per entry as it is made, then ``{"type": "summary", ...}``."""

    def entry(self, entry: Entry) -> None:
        import json
        import sys

        from component.reminders.report import entry_json

        line = json.dumps({"type": "entry", **entry_json(entry)}, ensure_ascii=False)
        sys.stdout.write(line + "\n")

    def finish(self, report: dict[str, Any]) -> None:
        import json
        import sys

        from component.values import to_jsonable

        summary = {"type": "summary", **to_jsonable(report)}
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
        sys.stdout.flush()


class _Readable:
    """The readable report: planned messages (and every entry with ``--details``) as they are
    made, the rest counted; the tables and the summary at the end."""

    def __init__(self, *, details: bool) -> None:
        from rich.console import Console

        from component.reminders.render import LiveReport

        # names from Xero are never emoji codes
        self.live = LiveReport(Console(emoji=False), details=details)

    def entry(self, entry: Entry) -> None:
        from component.reminders.report import entry_json

        self.live.entry(entry_json(entry))

    def finish(self, report: dict[str, Any]) -> None:
        self.live.finish(report)


def _stream(args: argparse.Namespace) -> _JsonLines | _Readable:
    return _JsonLines() if args.json else _Readable(details=args.details)


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    """``sendPaymentReminders`` through the executor, like every other front end."""
    from component.cli.values import check_one_stdin
    from component.executor import Executor

    as_of = args.as_of  # every option is checked (parsed) before anything is called
    check_one_stdin(
        {
            "--connection-value": args.connection_value,
            "--whatsapp-connection-value": args.whatsapp_connection_value,
        }
    )
    if not args.dry_run and not args.sandbox:
        from component.config import get_settings
        from component.storage.home import check_single_store

        check_single_store(get_settings())  # two stores would each send their own reminders
    runtime, defaults, policy_text = _setup(args)
    try:
        inputs: dict[str, Any] = {
            "dryRun": args.dry_run,
            "includeEntries": True,
            "whatsappConnection": _connection(
                args.whatsapp_connection,
                args.whatsapp_connection_value,
                "--whatsapp-connection-value",
                defaults.get("whatsapp"),
            ),
        }
        if as_of is not None:
            inputs["asOf"] = as_of.isoformat()
        if args.tenant:
            inputs["tenant"] = list(args.tenant)
        if policy_text is not None:
            inputs["policy"] = policy_text
        xero = _connection(
            args.connection, args.connection_value, "--connection-value", defaults.get("xero")
        )
        with _progress(enabled=not args.json) as progress:
            result = await Executor(runtime).invoke(
                "sendPaymentReminders",
                inputs,
                xero,
                source="cli",
                progress=_advance(progress),
            )
        data: dict[str, Any] = result["data"]
        return data
    finally:
        await runtime.aclose()


def _setup(args: argparse.Namespace) -> tuple[Runtime, dict[str, Any], str | None]:
    """The runtime (sandbox or real), default connection values, and the policy's text (None:
    the shipped policy). A policy file is checked here, so its errors name the file and line."""
    from pathlib import Path

    from component.config import get_settings
    from component.reminders.policy import load_policy
    from component.runtime import Runtime

    settings = get_settings()
    path = Path(args.policy) if args.policy else None
    policy = load_policy(path)
    text = path.read_text(encoding="utf-8") if path is not None else None
    if not args.sandbox:
        return Runtime(settings=settings), {}, text
    from component.reminders.sandbox import demo_policy, demo_sandbox, policy_text

    sandbox = demo_sandbox(settings)
    runtime = Runtime(settings=sandbox.settings, transport=sandbox.transport, clock=sandbox.clock)
    return runtime, sandbox.demo_connections, text or policy_text(demo_policy(policy))


def _connection(name: str | None, value: str | None, flag: str, default: Any) -> Any:
    """A stored connection's name, an inline value (JSON), or the default (None: the only one)."""
    from component.cli.values import connection_value

    if value:
        return connection_value(value, flag)
    return name if name is not None else default


def _progress(*, enabled: bool) -> Any:
    """A progress bar on a terminal; a no-op context otherwise."""
    import contextlib

    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        return contextlib.nullcontext(None)
    from rich.progress import Progress

    return Progress(console=console, transient=True)


def _advance(progress: Any) -> Any:
    """The progress hook the action calls with (contacts done, contacts in all)."""
    if progress is None:
        return None
    task = progress.add_task("Reminders (contacts)", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return advance


def _review(args: argparse.Namespace) -> int:
    """Messages held for review: sent or not? Check the customer's chat or the status webhook."""
    import asyncio

    from component.cli.output import emit
    from component.config import get_settings
    from component.notify.review import held_for_review, review_line
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())
    try:
        held = held_for_review(runtime)
    finally:
        asyncio.run(runtime.aclose())
    if args.json:
        emit({"needsReview": held})
        return 0
    from rich.console import Console
    from rich.markup import escape

    console = Console(emoji=False)
    if not held:
        console.print("No reminder needs review.")
    for item in held:
        console.print(f"[yellow]?[/] {escape(review_line(item))} [dim]key {escape(item['key'])}[/]")
    return 0
