"""``xero-wa orgs`` and ``xero-wa orgs set``: the organisations and their settings.

``orgs`` lists every organisation a stored Xero connection reaches (no Xero call; ``--refresh``
asks Xero's ``/connections`` again first and marks tenants it no longer lists), with the
connections chosen for it and why, its jobs, schedule, next run and health. ``orgs set ORG``
changes one organisation (ORG is its name or tenant id).
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser(
        "orgs", help="list organisations (Xero tenants) and change their settings"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--refresh", action="store_true", help="ask Xero which tenants each connection reaches now"
    )
    p.set_defaults(handler=cmd_orgs)
    sub = p.add_subparsers(dest="orgs_command", metavar="set")
    s = sub.add_parser("set", help="change one organisation's settings")
    s.add_argument("org", metavar="ORG", help="organisation name or tenant id")
    s.add_argument("--whatsapp-connection", metavar="NAME", help="WhatsApp connection that sends")
    s.add_argument("--xero-connection", metavar="NAME", help="pin the Xero connection to use")
    s.add_argument("--policy", metavar="FILE", help="reminder policy file (or 'default')")
    s.add_argument("--policy-copy", metavar="FILE", help="store a copy of this policy file")
    s.add_argument("--remind-at", metavar="HH:MM", help="local time of the reminder run")
    s.add_argument("--days", metavar="mon,tue,…", help="days of the reminder run")
    for flag in ("reminders", "invoice-alerts", "payment-thanks", "enabled"):
        s.add_argument(f"--{flag}", choices=("on", "off"), help=f"turn {flag} on or off")
    s.add_argument("--owner-phone", metavar="E164", help="where run summaries go ('none': nowhere)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(handler=cmd_orgs_set)


def _runtime_and_defaults() -> tuple[Any, Any]:
    from component.config import get_settings
    from component.orgs.defaults import OrgDefaults
    from component.runtime import Runtime

    settings = get_settings()
    return Runtime(settings=settings), OrgDefaults.from_config(settings)


def cmd_orgs(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit
    from component.orgs.sync import refresh_all
    from component.orgs.view import load_all

    runtime, defaults = _runtime_and_defaults()

    async def run() -> tuple[list[Any], dict[str, str]]:
        try:
            refreshed = await refresh_all(runtime) if args.refresh else {}
            return await asyncio.to_thread(load_all, runtime, defaults), refreshed
        finally:
            await runtime.aclose()

    orgs, refreshed = asyncio.run(run())
    now = runtime.clock.now()
    if args.json:
        emit([o.to_json(now) for o in orgs])
        return 0
    _table(orgs, now)
    for name, outcome in refreshed.items():
        if outcome != "ok":
            print(f"connection {name}: tenant list not refreshed: {outcome}")
    return 0


def _table(orgs: list[Any], now: Any) -> None:
    from rich.table import Table

    from component.cli.tables import data_console

    table = Table(title=f"{len(orgs)} organisations", title_justify="left")
    for column in (
        "name",
        "tenant id",
        "health",
        "xero",
        "whatsapp",
        "jobs",
        "schedule",
        "next run",
    ):
        table.add_column(column)
    for org in orgs:
        jobs = ", ".join(k for k, v in org.jobs.to_json().items() if v) or "none"
        schedule = org.schedule
        upcoming = org.next_run(now)
        table.add_row(
            org.name,
            org.tenant_id,
            org.health,
            org.xero.name or "—",
            org.whatsapp.name or "—",
            jobs,
            f"{schedule.at:%H:%M} {','.join(schedule.days)} {schedule.zone_name or '(zone not read yet)'}",
            upcoming.isoformat(timespec="minutes") if upcoming else "—",
        )
    data_console().print(table)
    for org in orgs:  # plain text: fixes are commands to copy
        if org.xero.name and "healthiest" in org.xero.why:
            print(f"{org.name}: Xero connection {org.xero.name}: {org.xero.why}")
        for problem in org.problems:
            fix = f" Fix: {problem.fix}" if problem.fix else ""
            print(f"{org.name}: {problem.severity}: {problem.message}.{fix}")


def cmd_orgs_set(args: argparse.Namespace) -> int:
    import asyncio

    from component.cli.output import emit
    from component.orgs.change import OrgChanges, apply_changes

    runtime, defaults = _runtime_and_defaults()
    asked = OrgChanges(
        whatsapp_connection=args.whatsapp_connection,
        xero_connection=args.xero_connection,
        policy=args.policy,
        policy_copy=args.policy_copy,
        remind_at=args.remind_at,
        days=args.days,
        reminders=args.reminders,
        invoice_alerts=args.invoice_alerts,
        payment_thanks=args.payment_thanks,
        enabled=args.enabled,
        owner_phone=args.owner_phone,
    )
    try:
        org = apply_changes(runtime, defaults, args.org, asked)
    finally:
        asyncio.run(runtime.aclose())
    emit({"data": org.to_json(runtime.clock.now())})
    return 0
