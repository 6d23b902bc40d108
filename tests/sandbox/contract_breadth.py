"""The accounting endpoints whose contract checks live in ``test_contract_xero_breadth.py``
(credit notes, quotes, contact groups, reports...), so the original walk need not know them and
each file proves its own coverage."""

from __future__ import annotations

from component.sandbox.state import SandboxState

#: Route modules of the sandbox checked by the breadth contract test.
BREADTH_MODULES = (
    "contact_groups",
    "credit_notes",
    "quotes",
    "bank_transactions",
    "settings_lists",
    "reports",
)


def breadth_routes(sandbox: SandboxState) -> set[tuple[str, str]]:
    """(method, path) of every route those modules serve."""
    import importlib

    out: set[tuple[str, str]] = set()
    for name in BREADTH_MODULES:
        module = importlib.import_module(f"component.sandbox.xero.{name}")
        for route in module.routes(sandbox.xero):
            out |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    return out


def _static() -> set[tuple[str, str]]:
    from component.clock import FakeClock
    from component.sandbox.config import SandboxConfig
    from component.sandbox.state import build_sandbox

    return breadth_routes(build_sandbox(clock=FakeClock(), config=SandboxConfig(), seed=False))


BREADTH_CHECKED = _static()
