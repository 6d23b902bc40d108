"""The reminder job's sandbox: a demo organisation small enough for one Xero minute.

The sandbox enforces Xero's real limit of 60 calls a minute, on the real clock when run from the
command line. The demo organisation is therefore sized (30 customers, 90 invoices, about a dozen
reminders) so that a first run, pay links and history notes included, stays well inside one
minute and takes a second or two; ``demo_policy`` also caps optional calls per run at 40.
"""

from __future__ import annotations

from typing import Any

from component.config import Settings
from component.reminders.policy import WEEKDAYS, Policy
from component.sandbox.config import DemoConfig, SandboxConfig, TenantSpec
from component.sandbox.embedded import EmbeddedSandbox, embedded

DEMO_TENANT = TenantSpec(name="Demo Company (IN)", contacts=30, invoices=90)
OPTIONAL_CALLS_PER_RUN = 40


def demo_sandbox(settings: Settings, **embedded_options: Any) -> EmbeddedSandbox:
    """An in-process sandbox holding the reminder demo organisation."""
    config = SandboxConfig(demo=DemoConfig(tenants=[DEMO_TENANT]))
    return embedded(settings, config=config, **embedded_options)


def demo_policy(policy: Policy) -> Policy:
    """``policy`` made to run at any hour in the demo: no quiet hours, every day a business day,
    no opt-out contact group (the sandbox has none), optional calls capped for one minute."""
    data = policy.model_dump(by_alias=True)
    data["quietHours"] = None
    data["businessDays"] = list(WEEKDAYS)
    data["holidays"] = []
    data["optOut"]["contactGroup"] = None
    data["xeroBudget"]["maxOptionalCallsPerRun"] = OPTIONAL_CALLS_PER_RUN
    return Policy.model_validate(data)


def policy_text(policy: Policy) -> str:
    """The policy as the YAML ``sendPaymentReminders`` takes (the demo's adjusted policy)."""
    import yaml

    return str(yaml.safe_dump(policy.model_dump(by_alias=True, mode="json"), sort_keys=False))
