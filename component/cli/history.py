"""``runs``, ``history``, ``optouts`` and ``schedule``: what the product did and will do.

- ``xero-wa runs [--org ORG] [--limit N] [--json]``: every recorded job run, newest first;
- ``xero-wa history --invoice NUMBER|ID`` / ``--contact NAME|ID`` ``[--json]``: a timeline;
- ``xero-wa optouts [list|add|remove] [--phone E164 | --contact NAME|ID | --user-id ID]``;
- ``xero-wa schedule [--json]``: each organisation's next scheduled runs.
None of them calls Xero or Meta: they read the store.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser("runs", help="recorded job runs (scheduled, CLI, API), newest first")
    p.add_argument("--org", metavar="ORG", help="only this organisation (name or tenant id)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_runs)

    p = commands.add_parser("history", help="what was sent about an invoice or to a contact")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--invoice", metavar="NUMBER|ID", help="invoice number or id")
    which.add_argument("--contact", metavar="NAME|ID", help="contact name or id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_history)

    p = commands.add_parser("optouts", help="list, add or remove reminder opt-outs")
    p.add_argument("action", nargs="?", choices=("list", "add", "remove"), default="list")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--phone", metavar="E164", help="a phone number (every organisation)")
    who.add_argument("--contact", metavar="NAME|ID", help="a Xero contact (its organisation)")
    who.add_argument("--user-id", metavar="ID", help="a WhatsApp user id (every organisation)")
    p.add_argument("--org", metavar="ORG", help="the contact's organisation, when ambiguous")
    p.add_argument("--reason", default="asked by the customer", help="why (kept with it)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_optouts)

    p = commands.add_parser("schedule", help="each organisation's next scheduled runs")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_schedule)


def _runtime() -> Any:
    from component.config import get_settings
    from component.runtime import Runtime

    return Runtime(settings=get_settings())


def _close(runtime: Any) -> None:
    import asyncio

    asyncio.run(runtime.aclose())


def _defaults() -> Any:
    from component.config import get_settings
    from component.orgs.defaults import OrgDefaults

    return OrgDefaults.from_config(get_settings())


# ----------------------------------------------------------------------------- runs
def cmd_runs(args: argparse.Namespace) -> int:
    from component.cli.output import emit
    from component.history.views import run_json

    runtime = _runtime()
    try:
        if not runtime.has_store:
            rows: list[Any] = []
        else:
            tenant = None
            if args.org:
                from component.orgs.find import find_org
                from component.orgs.view import load_all

                tenant = find_org(load_all(runtime, _defaults()), args.org, "--org").tenant_id
            rows = runtime.store.runs.list(tenant_id=tenant, limit=max(1, args.limit))
            names = {o.tenant_id: o.name for o in runtime.store.organisations.all()}
    finally:
        _close(runtime)
    found = [run_json(row, names.get(row.tenant_id)) for row in rows] if rows else []
    if args.json:
        emit(found)
        return 0
    _runs_table(found)
    return 0


def _runs_table(found: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from component.cli.tables import data_console

    table = Table(title=f"{len(found)} runs", title_justify="left")
    for column in ("id", "organisation", "job", "trigger", "started", "finished", "state"):
        table.add_column(column)
    for column in ("sent", "skipped", "failed", "xero calls"):
        table.add_column(column, justify="right")
    for run in found:
        counts = run["counts"]
        table.add_row(
            run["id"],
            run["organisation"],
            run["job"],
            run["trigger"],
            run["startedAt"][:19],
            (run["finishedAt"] or "")[:19],
            run["state"],
            str(counts["sent"]),
            str(counts["skipped"]),
            str(counts["failed"]),
            str(run["xeroCalls"]),
        )
    data_console().print(table)
    for run in found:
        for error in run["errors"]:
            print(f"{run['id']}: {error}")


# ----------------------------------------------------------------------------- history
def cmd_history(args: argparse.Namespace) -> int:
    from component import errors
    from component.cli.output import emit
    from component.history.timeline import contact_timelines, invoice_timelines, render

    runtime = _runtime()
    try:
        if not runtime.has_store:
            raise errors.InputError.single(
                "--invoice" if args.invoice else "--contact", "nothing has been sent yet"
            )
        if args.invoice:
            found, subject = invoice_timelines(runtime, args.invoice), "invoice"
        else:
            found, subject = contact_timelines(runtime, args.contact), "contact"
    finally:
        _close(runtime)
    if args.json:
        emit(found)
    else:
        print("\n".join(render(found, subject)))
    return 0


# ----------------------------------------------------------------------------- optouts
def cmd_optouts(args: argparse.Namespace) -> int:
    from component.cli.output import emit
    from component.history.optouts import change, listing

    runtime = _runtime()
    try:
        if args.action == "list":
            rows = listing(runtime)
            if args.json:
                emit(rows)
            else:
                _optouts_table(rows)
            return 0
        done = change(
            runtime,
            _defaults(),
            args.action,
            phone=args.phone,
            contact=args.contact,
            user_id=args.user_id,
            org=args.org,
            reason=args.reason,
        )
    finally:
        _close(runtime)
    emit({"data": done})
    return 0


def _optouts_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from component.cli.tables import data_console

    table = Table(title=f"{len(rows)} opt-outs", title_justify="left")
    for column in ("scope", "who", "organisation", "reason", "source", "since"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["scope"],
            row.get("name") or row["subject"],
            row.get("organisation") or "all",
            row["reason"],
            row["source"],
            row["createdAt"][:19],
        )
    data_console().print(table)


# ----------------------------------------------------------------------------- schedule
def cmd_schedule(args: argparse.Namespace) -> int:
    from component.cli.output import emit
    from component.history.views import upcoming

    runtime = _runtime()
    try:
        rows = upcoming(runtime, _defaults())
    finally:
        _close(runtime)
    if args.json:
        emit(rows)
        return 0
    from rich.table import Table

    from component.cli.tables import data_console

    table = Table(title="next scheduled runs", title_justify="left")
    for column in ("organisation", "job", "next run (UTC)", "local", "note"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["organisation"],
            row["job"],
            (row["nextRun"] or "—")[:16],
            row.get("local") or "",
            row.get("why") or "",
        )
    data_console().print(table)
    return 0
