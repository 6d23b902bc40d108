"""CLI-level connection tests call the shared ``cli`` fixture ``xero_wa``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli_support import CliOutcome


@pytest.fixture
def xero_wa(cli: Callable[..., CliOutcome]) -> Callable[..., CliOutcome]:
    return cli
