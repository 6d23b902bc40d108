"""The organisations a page can show, from ``component.orgs`` (the product's one view of them).

A page is about one organisation at a time, chosen with ``?org=TENANT_ID`` (a tenant id is not a
secret) or a form field ``org``; without a choice the first one is shown. Actions run through the
Xero connection the organisation routes to (``Organisation.xero``). Organisations switched off
are listed too: their history is still worth reading.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from component import errors
from component.orgs.defaults import OrgDefaults
from component.orgs.policy import STORED, org_policy
from component.orgs.schedule import org_schedule, refusal
from component.orgs.view import Organisation, Problem, load_all
from component.reminders.policy import DEFAULT_POLICY_PATH
from component.runtime import Runtime


@dataclass(frozen=True)
class Org:
    view: Organisation
    #: The stored Xero connection that reaches this organisation (None: none works).
    connection: str | None

    @property
    def tenant_id(self) -> str:
        return self.view.tenant_id

    @property
    def label(self) -> str:
        return self.view.name

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.view.problems

    def next_run(self, now: datetime) -> datetime | None:
        return self.view.next_run(now)


def organisations(runtime: Runtime, defaults: OrgDefaults) -> list[Org]:
    """Every organisation in the store, by name."""
    found = load_all(runtime, defaults)
    orgs = [Org(o, o.xero.name) for o in found]
    return sorted(orgs, key=lambda o: (o.label.casefold(), o.tenant_id))


def pick(orgs: list[Org], wanted: str) -> Org | None:
    """The organisation asked for, else the first one; None when there is none at all."""
    folded = wanted.casefold()
    return next((o for o in orgs if o.tenant_id.casefold() == folded), orgs[0] if orgs else None)


def policy_text(runtime: Runtime, org: Org) -> str:
    """The YAML of the organisation's reminder policy (the shipped default until one is saved)."""
    loaded = org_policy(org.view.row)
    if loaded.text is not None:
        return loaded.text
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def save_policy(runtime: Runtime, org: Org, text: str) -> None:
    """Store ``text`` (already validated) as the organisation's own copy of its policy.

    Refused when the organisation's reminder schedule could never run under it (its reminder
    time inside the new quiet hours, or no business day left), as ``xero-wa orgs set`` refuses.
    """
    row = replace(org.view.row, policy_source=STORED, policy_path=None, policy_yaml=text)
    loaded = org_policy(row)
    if loaded.policy is not None:
        why = refusal(org_schedule(row, loaded.policy), loaded.policy)
        if why is not None:
            raise errors.InputError.single("policy", f"the reminder schedule refuses it: {why}")
    changes = {"policy_source": STORED, "policy_path": None, "policy_yaml": text}
    runtime.store.organisations.update(org.tenant_id, changes, runtime.clock.now())
