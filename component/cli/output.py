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


def configure_logging(*, debug: bool) -> None:
    """Logs go to stderr; stdout is reserved for results."""
    level = logging.DEBUG if debug else logging.WARNING
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    if not debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
