"""Argument types: every command-line value is checked while the command line is parsed.

A bad value is then a usage error naming the option before anything is sent to Xero or
WhatsApp: a reminder run must not half-happen because ``--as-of`` was mistyped, and a created
invoice must not be lost because ``--output`` names a folder that does not exist. Only the
standard library is used (the parser is built for ``--help`` too).
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path


def port(text: str) -> int:
    """A TCP port, 0 (any free port) to 65535."""
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return value


def positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def non_negative_int(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def positive_seconds(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above 0")
    return value


def non_negative_seconds(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds, 0 or more")
    return value


def probability(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a probability from 0 to 1")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def readable_file(text: str) -> str:
    """A file that exists and can be read (``-`` is standard input)."""
    if text == "-":
        return text
    path = Path(text)
    if not path.is_file():
        why = "it is a folder" if path.is_dir() else "no such file"
        raise argparse.ArgumentTypeError(f"cannot read {text}: {why}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text}: permission denied")
    return text


def writable_file(text: str) -> Path:
    """Where a result will be written: checked before the command runs, so a write that
    succeeds upstream is never lost to an output path that could not have worked."""
    path = Path(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; name a file in it")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {folder} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text}: the file cannot be written by this user")
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: the folder {folder} cannot be written")
    return path


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value
