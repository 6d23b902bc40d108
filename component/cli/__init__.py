"""``xero-wa``: the per-action command line.

This module imports only the standard library so ``xero-wa --help`` answers fast; each command
module registers its sub-commands and imports what it needs when it runs. On failure a JSON
error object goes to stderr and the exit code tells the error class (see README).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

#: Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "catalog",
    "run",
    "connect",
    "orgs",
    "sandbox",
    "serve",
    "remind",
    "templates",
    "history",
    "admin",
    "mcp",
    "poll",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xero-wa",
        description="Xero + WhatsApp component: run any action, send payment reminders, serve webhooks.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"component.cli.{name}")
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from component.cli.output import configure_logging, report_failure

    configure_logging(debug=args.debug)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print(
            json.dumps({"error": {"code": "interrupted", "message": "interrupted"}}),
            file=sys.stderr,
        )
        return 130
    except BaseException as exc:  # every failure becomes a JSON error and an exit code
        if isinstance(exc, SystemExit):
            raise
        return report_failure(exc, debug=args.debug)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
