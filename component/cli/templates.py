"""``xero-wa templates list|check|submit``: the WhatsApp account's message templates.

- ``list``: the account's templates (name, language, status, category, parameters, buttons).
- ``check``: every template the policy, the alerts, the run summary and the reply answers send,
  compared with the account (``component.whatsapp.template_check``): exit 0 when all match, 8
  when any does not (each mismatch listed with its fix; MARKETING ones flagged loudly).
- ``submit``: creates the shipped templates (``component.notify.templates``, English and Hindi)
  the account does not have yet (``component.whatsapp.template_account``); Meta reviews them,
  so they are PENDING for a while: run ``check`` later. Exit 8 when Meta refused any.

Each works per organisation (``--org``, default: every organisation) or, before any is stored,
on the WhatsApp connection (``--whatsapp-connection``, default the only one) with the default
policy (``--policy``). ``--json`` prints the result as JSON.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from component.cli.app import add_target_options

if TYPE_CHECKING:
    from component.cli.template_targets import Target
    from component.runtime import Runtime

#: ``templates check`` found a template that does not match, or ``submit`` was refused.
EXIT_MISMATCH = 8


def register(commands: Any) -> None:
    parser = commands.add_parser("templates", help="list, check and submit WhatsApp templates")
    sub = parser.add_subparsers(dest="templates_command", metavar="list|check|submit")

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=show_help)
    for name, help_text, handler in (
        ("list", "the WhatsApp account's templates", cmd_list),
        ("check", "compare the templates the product sends with the account's", cmd_check),
        ("submit", "create the shipped templates the account does not have", cmd_submit),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--org", metavar="ORG", help="one organisation (name or tenant id)")
        p.add_argument("--whatsapp-connection", metavar="NAME", help="the stored connection")
        p.add_argument("--policy", metavar="FILE", help="reminder policy (without organisations)")
        p.add_argument("--json", action="store_true", help="print JSON")
        if name == "submit":
            p.add_argument("--template", action="append", metavar="NAME", help="only these")
            p.add_argument("--language", action="append", metavar="CODE", help="only these")
        add_target_options(p)
        p.set_defaults(handler=handler)


def cmd_list(args: argparse.Namespace) -> int:
    import asyncio

    async def run(runtime: Runtime, targets: list[Target]) -> list[dict[str, Any]]:
        return [
            {"target": t.label, "templates": await _listing(runtime, t)}
            for t in targets
            if t.reachable
        ]

    found = asyncio.run(_with_targets(args, run))
    if args.json:
        from component.cli.output import emit

        emit(found)
        return 0
    _print_listing(found)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import asyncio

    from component.whatsapp.template_check import Finding, Report, check

    async def run(runtime: Runtime, targets: list[Target]) -> list[tuple[Target, Report]]:
        results = []
        for target in targets:
            if not target.reachable:
                report = Report(
                    findings=[Finding("-", "-", "error", p, "") for p in target.problems]
                )
            else:
                report = check(target.requirements, await _listing(runtime, target))
                report.findings += [Finding("-", "-", "error", p, "") for p in target.problems]
            results.append((target, report))
        return results

    results = asyncio.run(_with_targets(args, run))
    ok = all(report.ok for _, report in results)
    if args.json:
        from component.cli.output import emit

        emit({"ok": ok, "targets": [{"target": t.label, **r.to_json()} for t, r in results]})
    else:
        _print_check(results)
    return 0 if ok else EXIT_MISMATCH


def cmd_submit(args: argparse.Namespace) -> int:
    import asyncio

    from component.whatsapp.client import WhatsAppClient
    from component.whatsapp.template_account import Submission, submit

    async def run(runtime: Runtime, targets: list[Target]) -> list[tuple[str, list[Submission]]]:
        results = []
        for target in targets:
            if not target.reachable:
                continue
            client = WhatsAppClient(runtime, await target.session(runtime))
            definitions = _definitions(runtime, args.template, args.language)
            results.append(
                (target.label, await submit(client, definitions, await client.list_templates()))
            )
        return results

    results = asyncio.run(_with_targets(args, run))
    refused = any(s.outcome == "refused" for _, subs in results for s in subs)
    if args.json:
        from component.cli.output import emit

        emit(
            [{"target": label, "submitted": [s.to_json() for s in subs]} for label, subs in results]
        )
    else:
        _print_submit(results)
    return EXIT_MISMATCH if refused else 0


# ----------------------------------------------------------------------------- plumbing
async def _with_targets(args: argparse.Namespace, work: Any) -> Any:
    from component.cli.app import build
    from component.cli.template_targets import targets

    cli = build(args)
    runtime = cli.runtime
    try:
        connection = args.whatsapp_connection or cli.default_for("whatsapp")
        found = await targets(
            runtime,
            runtime.settings,
            org=args.org,
            policy_file=args.policy,
            connection=connection,
        )
        return await work(runtime, found)
    finally:
        await runtime.aclose()


async def _listing(runtime: Runtime, target: Target) -> list[dict[str, Any]]:
    from component.whatsapp.client import WhatsAppClient

    return await WhatsAppClient(runtime, await target.session(runtime)).list_templates()


def _definitions(
    runtime: Runtime, names: list[str] | None, languages: list[str] | None
) -> list[dict[str, Any]]:
    from component import errors
    from component.notify.template_needs import definition
    from component.notify.templates import CATALOGUE

    known = {t.name for t in CATALOGUE}
    unknown = sorted(set(names or ()) - known)
    if unknown:
        raise errors.InputError.single(
            "--template",
            f"{', '.join(unknown)} is not shipped; shipped: {', '.join(sorted(known))}",
        )
    base = runtime.settings.xero_wa_pay_link_base
    return [
        definition(t, language, base)
        for t in CATALOGUE
        if not names or t.name in names
        for language in t.languages
        if not languages or language in languages
    ]


def _print_listing(found: list[dict[str, Any]]) -> None:
    """Meta's names and categories printed as written (never console markup), at any width."""
    from component.cli.tables import Column, data_console, print_rows

    console = data_console()
    headers = ("name", "language", "status", "category", "parameters", "buttons")
    columns = [Column(header) for header in headers]
    for entry in found:
        rows = [_summary(row) for row in entry["templates"]]
        print_rows(console, str(entry["target"]), columns, rows)


def _summary(row: dict[str, Any]) -> tuple[str, ...]:
    from component.whatsapp.template_check import NAMED, POSITIONAL

    components = {str(c.get("type")): c for c in row.get("components") or [] if isinstance(c, dict)}
    text = str(components.get("BODY", {}).get("text") or "")
    slots = set(POSITIONAL.findall(text)) or set(NAMED.findall(text))
    buttons = [str(b.get("type")) for b in components.get("BUTTONS", {}).get("buttons") or []]
    return (
        str(row.get("name")),
        str(row.get("language")),
        str(row.get("status")),
        str(row.get("category")),
        str(len(slots)),
        ", ".join(buttons),
    )


def _print_check(results: list[Any]) -> None:
    """Our marks in colour; every name, problem and fix (Meta's and the user's text) escaped."""
    from rich.console import Console
    from rich.markup import escape as e

    console = Console(highlight=False, soft_wrap=True, emoji=False)
    for target, report in results:
        console.print(f"[bold]{e(target.label)}[/bold]: {len(report.checked)} template(s) checked")
        bad = {(f.template, f.language) for f in report.findings}
        for need in report.checked:
            if (need.name, need.language) not in bad:
                console.print(f"  ok       {e(need.describe())}  ({e(', '.join(need.used_by))})")
        for f in report.findings:
            mark = "[red]ERROR  [/red]" if f.severity == "error" else "[yellow]WARNING[/yellow]"
            console.print(f"  {mark}  {e(f.template)} ({e(f.language)}): {e(f.problem)}")
            if f.fix:
                console.print(f"           fix: {e(f.fix)}")
        console.print("  all match" if report.ok else "  [red]templates do not match[/red]")


def _print_submit(results: list[Any]) -> None:
    from rich.console import Console
    from rich.markup import escape as e

    console = Console(highlight=False, soft_wrap=True, emoji=False)
    for label, submissions in results:
        console.print(f"[bold]{e(label)}[/bold]")
        for s in submissions:
            extra = f" {s.status} {s.category}" if s.outcome == "created" else ""
            note = f": {s.message}" if s.message else ""
            console.print(e(f"  {s.outcome:<8} {s.template} ({s.language}){extra}{note}"))
            if s.marketing:
                console.print(
                    "  [red]!!! Meta filed it under MARKETING: it costs several times a utility "
                    "message; reword it and submit again[/red]"
                )
        created = sum(1 for s in submissions if s.outcome == "created")
        if created:
            console.print(
                f"  {created} created: Meta reviews them (minutes to 24 h); then run "
                "`xero-wa templates check`"
            )
