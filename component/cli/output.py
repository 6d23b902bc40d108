"""How the CLI prints results and errors, and the exit code of each error class."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from typing import Any

from component import errors
from component.values import to_jsonable


def emit(data: Any) -> None:
    """A result as JSON on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")


def report_failure(exc: BaseException, *, debug: bool) -> int:
    """Print the JSON error on stderr (traceback only with --debug); return the exit code."""
    if not isinstance(exc, errors.XeroWaError):
        if debug:
            traceback.print_exception(exc)
        exc = errors.InternalError(
            f"unexpected {type(exc).__name__}; run again with --debug for the traceback"
        )
    elif debug and exc.__cause__ is not None:
        traceback.print_exception(exc.__cause__)
    sys.stderr.write(json.dumps(exc.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return exc.exit_code


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (as logging's last resort
    does), so a command's notices reach the stream the caller reads, in-process runs included."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """StreamHandler sets it once; the property always answers the current stderr."""


def configure_logging(*, debug: bool) -> logging.Handler:
    """Logs go to stderr; stdout is reserved for results.

    Warnings are what a user must see without ``--debug`` (e.g. that a call is waiting out
    Xero's rate limit, and for how long): the handler is the command's own, installed even when
    the process has handlers already (logging.basicConfig would then add nothing).
    """
    level = logging.DEBUG if debug else logging.WARNING
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if debug or root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    if not debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler


def stop_logging(handler: logging.Handler) -> None:
    """The command is over: its handler goes (in-process callers keep their own stderr)."""
    logging.getLogger().removeHandler(handler)
