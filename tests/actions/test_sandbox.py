"""Every action runs against the in-process sandbox (the Xero emulator built to Xero's facts)."""

from __future__ import annotations

import pytest

from component.registry import Registry
from tests.actions.cases import XERO_ACTIONS
from tests.actions.scenarios import load_all
from tests.xero.sandboxed import Sandboxed

SCENARIOS = load_all()


def test_every_action_has_a_sandbox_scenario(registry: Registry) -> None:
    assert sorted(set(XERO_ACTIONS) - set(registry.actions)) == []
    assert sorted(set(XERO_ACTIONS) - set(SCENARIOS)) == []


@pytest.mark.anyio
@pytest.mark.parametrize("key", sorted(SCENARIOS))
async def test_action_against_the_sandbox(sandboxed: Sandboxed, key: str) -> None:
    await SCENARIOS[key](sandboxed)
