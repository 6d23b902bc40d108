"""Builds the Runtime a CLI command runs with: settings, and the in-process sandbox when asked."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: command modules import this one while --help is built
    from component.runtime import Runtime


@dataclass
class CliRuntime:
    runtime: Runtime
    #: Connection value per family to use when none was given (the sandbox's demo connections).
    default_connections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def default_for(self, family: str | None) -> dict[str, Any] | None:
        return self.default_connections.get(family) if family else None


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
        return CliRuntime(runtime, sandbox.demo_connections)
    return CliRuntime(Runtime(settings=settings))
