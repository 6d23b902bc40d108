"""Builds the Runtime a CLI command runs with: settings, and the in-process sandbox when asked."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: command modules import this one while --help is built
    from component.runtime import Runtime


def _none(_family: str) -> dict[str, Any] | None:
    return None


@dataclass
class CliRuntime:
    runtime: Runtime
    #: The connection value of a family to use when none was given (the sandbox's demo
    #: connections), made when asked for: only the family the command uses.
    default_connection: Callable[[str], dict[str, Any] | None] = _none

    def default_for(self, family: str | None) -> dict[str, Any] | None:
        return self.default_connection(family) if family else None


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--sandbox``: run against the in-process sandbox with its demo organisation."""
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the built-in Xero and WhatsApp sandbox (no credentials needed)",
    )


def build(args: argparse.Namespace) -> CliRuntime:
    from component.config import get_settings
    from component.runtime import Runtime

    settings = get_settings()
    if getattr(args, "sandbox", False):
        from component.sandbox.embedded import embedded

        sandbox = embedded(settings)
        runtime = Runtime(
            settings=sandbox.settings, transport=sandbox.transport, clock=sandbox.clock
        )
        return CliRuntime(runtime, sandbox.demo_connection)
    return CliRuntime(Runtime(settings=settings))
