"""``xero-wa admin``: owner accounts of the web app (create, password, list, delete).

Passwords are read from standard input (``--password-stdin``, one line) or a hidden prompt on a
terminal, never from a flag: a flag would land in the shell history and the process list.
Changing a password or deleting an account ends that account's sessions at once.
Only the standard library is imported here; the store loads when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def register(commands: Any) -> None:
    parser = commands.add_parser("admin", help="web app owner accounts")
    sub = parser.add_subparsers(dest="admin_command", metavar="ADMIN_COMMAND")

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=show_help)
    for name, help_text, handler in (
        ("create", "create an owner account", cmd_create),
        ("password", "set an account's password (ends its sessions)", cmd_password),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("username")
        p.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )
        p.set_defaults(handler=handler)
    p = sub.add_parser("list", help="list owner accounts")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("delete", help="delete an owner account (ends its sessions)")
    p.add_argument("username")
    p.set_defaults(handler=cmd_delete)


def cmd_create(args: argparse.Namespace) -> int:
    from component import errors
    from component.cli.output import emit
    from component.web import passwords

    username = passwords.check_username(args.username)
    password = passwords.check_new_password(_read_password(args))
    with _runtime() as runtime:
        created = runtime.store.accounts.create(
            username, passwords.hash_password(password), runtime.clock.now()
        )
    if not created:
        raise errors.InputError.single(
            "username",
            f"{username!r} already exists; change its password with "
            f"`xero-wa admin password {username} --password-stdin`",
        )
    emit({"data": {"username": username, "created": True}})
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from component import errors
    from component.cli.output import emit
    from component.web import passwords

    username = passwords.check_username(args.username)
    password = passwords.check_new_password(_read_password(args))
    with _runtime() as runtime:
        changed = runtime.store.accounts.set_password(
            username, passwords.hash_password(password), runtime.clock.now()
        )
    if not changed:
        raise errors.InputError.single("username", f"no account named {username!r}")
    emit({"data": {"username": username, "passwordChanged": True}})
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from component.cli.output import emit

    with _runtime() as runtime:
        emit({"data": {"usernames": runtime.store.accounts.usernames()}})
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from component import errors
    from component.cli.output import emit

    with _runtime() as runtime:
        deleted = runtime.store.accounts.delete(args.username)
    if not deleted:
        raise errors.InputError.single("username", f"no account named {args.username!r}")
    emit({"data": {"username": args.username.lower(), "deleted": True}})
    return 0


def _read_password(args: argparse.Namespace) -> str:
    from component import errors

    if args.password_stdin:
        return sys.stdin.readline()
    if not sys.stdin.isatty():
        raise errors.InputError.single(
            "password", "is required: pass --password-stdin and write it to standard input"
        )
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise errors.InputError.single("password", "the two passwords differ")
    return first


@contextmanager
def _runtime() -> Iterator[Any]:
    """The runtime of one command; its store is closed when the command ends."""
    import asyncio

    from component.config import get_settings
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())
    try:
        yield runtime
    finally:
        asyncio.run(runtime.aclose())
