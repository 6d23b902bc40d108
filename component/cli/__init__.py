"""``xero-wa``: the per-action command line.

This module imports only the standard library so ``xero-wa --help`` answers fast; each command
module registers its sub-commands and imports what it needs when it runs. On failure a JSON
error object goes to stderr and the exit code tells the error class (see README), usage mistakes
included: a bad flag is an ``input_error`` naming the option, before anything is sent anywhere.

``--debug`` is accepted before or after the sub-command (errors say "run again with --debug");
``--version`` prints the installed version.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from component.errors import FieldProblem

#: Each command module and the commands it registers, in the order they appear in --help. A
#: command line naming one of these builds only its module's parser (see ``build_parser``);
#: tests/cli check this table against what the modules register.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "catalog": ("actions", "describe", "manifest", "lint"),
    "run": ("run",),
    "connect": ("connect", "connections", "disconnect"),
    "orgs": ("orgs",),
    "sandbox": ("sandbox",),
    "serve": ("serve", "worker", "events"),
    "remind": ("remind",),
    "templates": ("templates",),
    "history": ("runs", "history", "optouts", "schedule"),
    "db": ("db", "doctor"),
    "admin": ("admin",),
    "mcp": ("mcp",),
    "poll": ("poll",),
}


class UsageError(Exception):
    """A command line argparse refused; reported as an ``input_error`` like any bad input."""

    def __init__(self, prog: str, message: str, usage: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake raises ``UsageError`` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message, self.format_usage().strip())


class VersionAction(argparse.Action):
    """``--version``: the installed distribution's version, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib import metadata

        try:
            version = metadata.version("xero-wa")
        except metadata.PackageNotFoundError:
            version = "unknown (not installed)"
        sys.stdout.write(f"xero-wa {version}\n")
        parser.exit(0)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``xero-wa`` parser; with ``command``, only the module registering that command.

    A command line uses one module's parsers: importing and building the other twelve was
    start-up it never used (about 30 ms of CPU here). A ``command`` no module registers (or
    none) builds them all, so ``--help`` lists every command and a mistyped one is refused with
    the full list.
    """
    modules = [m for m, names in COMMAND_MODULES.items() if command in names]
    parser = Parser(
        prog="xero-wa",
        description="Xero + WhatsApp component: run any action, send payment reminders, serve webhooks.",
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules or COMMAND_MODULES:
        module = importlib.import_module(f"component.cli.{name}")
        module.register(commands)
    for sub in _subparsers(parser):
        # SUPPRESS: a sub-command's default must not overwrite a --debug given before it.
        sub.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from _subparsers(sub)


def named_command(arguments: Sequence[str]) -> str | None:
    """The sub-command a command line names, when nothing before it but ``--debug`` could act on
    the whole parser (``--help``, ``--version`` or an abbreviation of one); else None."""
    for argument in arguments:
        if argument != "--debug":
            return None if argument.startswith("-") else argument
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``argv``, else this process's own: the ``xero-wa`` script)."""
    from component import collector

    collector.own_process(argv is None)
    arguments = list(sys.argv[1:] if argv is None else argv)
    with collector.setting_up():
        parser = build_parser(named_command(arguments))
        try:
            args = parser.parse_args(arguments)
        except UsageError as exc:
            return _usage_failure(exc, debug="--debug" in arguments)
        if not getattr(args, "handler", None):
            build_parser().print_help()  # every command, as bare `xero-wa` shows them
            return 2
        from component.cli.output import configure_logging, report_failure, stop_logging

        handler = configure_logging(debug=args.debug)
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
    finally:
        stop_logging(handler)
    return code


def _usage_failure(exc: UsageError, *, debug: bool) -> int:
    """A usage mistake as the JSON ``input_error`` every failure is, naming the option."""
    from component import errors
    from component.cli.output import report_failure

    error = errors.InputError(usage_problems(exc.message), context=exc.prog)
    error.details["usage"] = exc.usage
    return report_failure(error, debug=debug)


def usage_problems(message: str) -> list[FieldProblem]:
    """argparse's sentence → the field (option or argument) and the reason."""
    from component.errors import FieldProblem

    required = "the following arguments are required: "
    if message.startswith(required):
        names = message[len(required) :].split(", ")
        return [FieldProblem(name, "is required") for name in names]
    if message.startswith("argument ") and ": " in message:
        option, reason = message[len("argument ") :].split(": ", 1)
        # "--output/-o" → "--output": the long name, as the option is documented
        return [FieldProblem(option.split("/")[0], reason)]
    if message.startswith("unrecognized arguments: "):
        return [FieldProblem(message[len("unrecognized arguments: ") :], "is not an option here")]
    return [FieldProblem("arguments", message)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
