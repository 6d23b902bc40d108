"""``xero-wa poll TRIGGER [--org ORG] [--json]``: run a polling trigger once for an organisation.

The first run for an organisation records the present and reports nothing; later runs report
what changed since. ``--queue`` also hands INVOICE and CONTACT events to the service's worker
(alerts), as the webhook route does. Without ``TRIGGER`` the polling triggers are listed.
"""

from __future__ import annotations

import argparse
from typing import Any

from component.cli.app import add_target_options


def register(commands: Any) -> None:
    p = commands.add_parser(
        "poll", help="run a polling trigger once (new/updated records, overdue)"
    )
    p.add_argument("trigger", nargs="?", help="the polling trigger's key (omit to list them)")
    p.add_argument("--org", help="the Xero organisation, by name or tenant id")
    p.add_argument("--connection", metavar="NAME", help="the stored Xero connection to use")
    p.add_argument(
        "-i",
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a trigger input, e.g. days=7",
    )
    p.add_argument(
        "--queue", action="store_true", help="also queue invoice/contact events for the worker"
    )
    p.add_argument(
        "--json", action="store_true", help="print the events (and their records) as JSON"
    )
    add_target_options(p)
    p.set_defaults(handler=cmd_poll)


def cmd_poll(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from component import errors
    from component.cli.app import build
    from component.cli.output import emit
    from component.polling.runner import poll, polling_triggers

    built = build(args)
    runtime = built.runtime
    try:
        if not args.trigger:
            emit({"pollingTriggers": polling_triggers(runtime)})
            return 0
        inputs = {}
        for item in args.input:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise errors.InputError.single("--input", f"expected NAME=VALUE, got {item!r}")
            inputs[name] = value
        connection = args.connection or built.default_for("xero")
        result = await poll(
            runtime,
            args.trigger,
            connection=connection,
            org=args.org,
            inputs=inputs,
            queue=args.queue,
        )
    finally:
        await runtime.aclose()
    body = {
        "trigger": result.trigger,
        "org": result.org,
        "firstRun": result.first_run,
        "events": result.events,
    }
    if args.json:
        emit({**body, "records": result.records})
        return 0
    if result.first_run:
        print(
            f"{result.trigger}: first run for {result.org}; recorded the present, nothing to report"
        )
    else:
        print(f"{result.trigger}: {len(result.events)} event(s) for {result.org}")
    for event in result.events:
        print(
            f"  {event['eventCategory']} {event['eventType']} {event['resourceId']} at {event['eventDateUtc']}"
        )
    return 0
