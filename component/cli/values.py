"""Values given on the command line that may hold secrets: inline, ``@FILE`` or ``-`` (stdin).

A token written into ``--connection-value '{...}'`` is visible to anyone running ``ps`` and stays
in the shell history. ``--connection-value @conn.json`` reads it from a file (mode 0600, say) and
``--connection-value -`` from standard input (a pipe from a password manager), so the token never
appears in the process list. Only one option may read standard input, since it can be read once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from component import errors

STDIN = "-"


def read_argument(text: str, flag: str) -> tuple[str, str]:
    """The text ``text`` stands for, and where it came from (for messages)."""
    if text == STDIN:
        return sys.stdin.read(), "standard input"
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise errors.InputError.single(flag, f"cannot read {path}: {reason}") from None
    return text, flag


def connection_value(text: str, flag: str) -> dict[str, Any]:
    """A JSON connection value given inline, as ``@FILE`` or as ``-``."""
    from component.sessions import parse_value

    body, source = read_argument(text, flag)
    shown = flag if source == flag else f"{flag} ({source})"
    return parse_value(body, source=shown)


def check_one_stdin(options: dict[str, str | None]) -> None:
    """Refuse two options that both want standard input, before anything runs."""
    readers = [flag for flag, value in options.items() if value == STDIN]
    if len(readers) > 1:
        raise errors.InputError.single(
            readers[1], f"standard input is already read by {readers[0]}; use @FILE for one"
        )
