"""Sandbox scenarios: for every action key, a run against the in-process Xero emulator.

Each scenario sets up what it needs through other actions (as a flow would), runs its action and
checks both the output and what the emulated organisation now holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.xero.sandboxed import Sandboxed

Scenario = Callable[[Sandboxed], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(*keys: str) -> Callable[[Scenario], Scenario]:
    """Register ``fn`` as the sandbox run of the action ``keys`` (one flow may cover several)."""

    def register(fn: Scenario) -> Scenario:
        for key in keys:
            assert key not in SCENARIOS, f"two scenarios for {key}"
            SCENARIOS[key] = fn
        return fn

    return register


def load_all() -> dict[str, Scenario]:
    from tests.actions.scenarios import (  # noqa: F401 - importing registers the scenarios
        accounts,
        attachments,
        breadth,
        contacts,
        invoices,
        items,
        other,
        payments,
    )

    return SCENARIOS
