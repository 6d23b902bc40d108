"""``xero-wa db status|upgrade|backup`` and ``xero-wa doctor``: the store and the installation.

``db status`` says where the store is, its schema version against this code's and which
migrations are pending, without changing anything (it works on a read-only store). ``db
upgrade`` backs the store up (SQLite) and applies the pending migrations; ``serve`` refuses a
store that is older or newer than the code and names this command. ``db backup`` copies the
SQLite store with the online backup API while other processes keep using it. ``doctor`` runs
every health check (``component.doctor``); it exits 12 when one fails. Only the standard
library is imported here; the store loads when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DOCTOR_FAILED = 12


def register(commands: Any) -> None:
    parser = commands.add_parser("db", help="the store: status, upgrade, backup")
    sub = parser.add_subparsers(dest="db_command", metavar="status|upgrade|backup")

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=show_help)
    p = sub.add_parser("status", help="where the store is, its schema version, pending migrations")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_status)
    p = sub.add_parser("upgrade", help="back the store up, then apply pending migrations")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_upgrade)
    p = sub.add_parser("backup", help="copy the SQLite store (online backup API)")
    p.add_argument("--to", type=Path, metavar="FILE", help="default: backups/state-<UTC time>.db")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_backup)

    p = commands.add_parser(
        "doctor", help="check the configuration, the store and the connections (exit 12 if not ok)"
    )
    p.add_argument(
        "--online",
        action="store_true",
        help="also ask Xero whether each login works, check the WhatsApp templates and the "
        "webhook's subscription answer",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_doctor)


def _settings() -> Any:
    from component.config import get_settings

    return get_settings()


def _status_json(store: Any) -> dict[str, Any]:
    from component.storage.backups import newest_backup

    status = store.schema()
    out: dict[str, Any] = {
        "location": store.location,
        "backend": store.dialect,
        "schemaVersion": status.version,
        "codeSchemaVersion": status.code_version,
        "pending": [m.id for m in status.pending],
        "unknown": list(status.unknown),
        "readOnly": store.read_only,
    }
    if store.dialect == "sqlite":
        backup = newest_backup(Path(store.location))
        out["newestBackup"] = str(backup) if backup else None
    return out


def cmd_status(args: argparse.Namespace) -> int:
    from component.storage.store import Store

    store = Store.open(_settings(), policy="none")
    try:
        data = _status_json(store)
    finally:
        store.close()
    if args.json:
        from component.cli.output import emit

        emit({"data": data})
        return 0
    state = (
        "newer than this xero-wa (upgrade xero-wa)"
        if data["unknown"]
        else f"{len(data['pending'])} migration(s) pending: run `xero-wa db upgrade`"
        if data["pending"]
        else "current"
    )
    lines = [
        f"store:          {data['location']} ({data['backend']}"
        + (", read-only)" if data["readOnly"] else ")"),
        f"schema version: {data['schemaVersion']} (this xero-wa: {data['codeSchemaVersion']}; {state})",
    ]
    lines += [f"  pending:      {m}" for m in data["pending"]]
    if "newestBackup" in data:
        lines.append(f"newest backup:  {data['newestBackup'] or 'none (xero-wa db backup)'}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from component.cli.output import emit
    from component.storage.store import Store

    store = Store.open(_settings(), policy="none")
    try:
        backup, applied = store.upgrade(datetime.now(UTC))
        data = _status_json(store) | {
            "applied": applied,
            "backup": str(backup) if backup else None,
        }
    finally:
        store.close()
    if args.json:
        emit({"data": data})
        return 0
    if not applied:
        sys.stdout.write(
            f"{data['location']} is current (schema version {data['schemaVersion']})\n"
        )
        return 0
    sys.stdout.write(
        f"{data['location']}: applied {', '.join(applied)}; schema version "
        f"{data['schemaVersion']}" + (f" (backup before: {backup})" if backup else "") + "\n"
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from component import errors
    from component.cli.output import emit
    from component.storage.backups import backup
    from component.storage.store import Store

    store = Store.open(_settings(), policy="none")
    try:
        if store.dialect != "sqlite":
            raise errors.StoreError(
                f"`xero-wa db backup` copies the SQLite store; back up {store.location} with "
                'pg_dump (see README "Running on several hosts")'
            )
        target = backup(Path(store.location), datetime.now(UTC), args.to)
    finally:
        store.close()
    if args.json:
        emit({"data": {"backup": str(target), "location": store.location}})
    else:
        sys.stdout.write(f"backed up {store.location} to {target}\n")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    import asyncio
    from datetime import UTC, datetime

    from component import doctor, errors
    from component.cli.output import emit
    from component.doctor.whatsapp import whatsapp_checks
    from component.runtime import Runtime

    checks, settings = doctor.configuration()
    runtime = Runtime(settings=settings)
    store_checks, store = doctor.store_checks(runtime)
    checks += store_checks

    async def connections() -> list[doctor.Check]:
        try:
            found = doctor.connection_checks(runtime, datetime.now(UTC))
            if args.online:
                found += await doctor.online_checks(runtime)
            found += await whatsapp_checks(runtime, online=args.online)
            return found
        except errors.XeroWaError as exc:  # e.g. a damaged store: a failed check, not a crash
            return [doctor.Check("connections", "fail", exc.message)]
        finally:
            await runtime.aclose()

    try:
        if store is not None:
            runtime._store = store  # the checked store is the runtime's (opened without changes)
            checks += asyncio.run(connections())
        else:
            checks.append(
                doctor.Check("connections", "fail", "not checked: the store cannot be opened")
            )
    finally:
        if store is not None:
            store.close()
    failed = any(c.status == "fail" for c in checks)
    if args.json:
        emit({"data": {"ok": not failed, "checks": [c.to_json() for c in checks]}})
    else:
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
        lines = []
        for check in checks:
            lines.append(f"{marks[check.status]} {check.name}: {check.detail}")
            if check.fix and check.status != "ok":
                lines.append(f"     fix: {check.fix}")
        sys.stdout.write("\n".join(lines) + "\n")
    return DOCTOR_FAILED if failed else 0
