"""Every action runs against the in-process sandbox (the Xero emulator built to Xero's facts)."""

from __future__ import annotations

import pytest

from component.registry import Registry
from tests.actions.scenarios import load_all
from tests.xero.sandboxed import Sandboxed

SCENARIOS = load_all()


def test_every_action_has_a_sandbox_scenario(registry: Registry) -> None:
    xero = {key for key, loaded in registry.actions.items() if loaded.spec.connection == "xero"}
    assert sorted(xero - set(SCENARIOS)) == []


@pytest.mark.anyio
@pytest.mark.parametrize("key", sorted(SCENARIOS))
async def test_action_against_the_sandbox(sandboxed: Sandboxed, key: str) -> None:
    await SCENARIOS[key](sandboxed)
