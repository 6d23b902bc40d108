"""Which WhatsApp accounts to look at, and which templates each must hold.

A target is one WhatsApp connection and the templates sent through it. With organisations in
the store, each organisation is one (``--org`` picks one): its policy's stages and combined
message, the alerts that are on for it, the run summary when it has an owner number, and the
reply answers (``component.replies``). Without organisations (a first setup, ``--sandbox``), the
target is the given or only WhatsApp connection with the default policy (or ``--policy``) and the
alert settings of the environment. Several organisations sending through one connection are
checked against one listing of its templates.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from component import errors, sessions
from component.alerts.compose import AlertKind
from component.alerts.compose import requirements as alert_needs
from component.orgs.defaults import OrgDefaults
from component.reminders.policy import Policy, load_policy
from component.reminders.templates import requirements as policy_needs
from component.replies.needs import requirements as reply_needs
from component.runtime import Runtime
from component.scheduler.summary import requirement as summary_need
from component.service.config import ServiceConfig
from component.sessions import Session, StoredOrInline
from component.whatsapp.template_check import Requirement


@dataclass
class Target:
    """One WhatsApp connection, who uses it, and what they send through it."""

    label: str
    connection: StoredOrInline | None
    requirements: list[Requirement] = field(default_factory=list)
    #: What is wrong with it (no connection, a broken policy): reported, not raised.
    problems: list[str] = field(default_factory=list)
    #: False when no WhatsApp connection can act for it (``connection`` None then means none,
    #: not "the default one").
    reachable: bool = True

    async def session(self, runtime: Runtime) -> Session:
        return await sessions.resolve(runtime, self.connection, "whatsapp")


def needs(
    policy: Policy | None, kinds: tuple[AlertKind, ...], owner: str | None, config: ServiceConfig
) -> list[Requirement]:
    found: list[Requirement] = policy_needs(policy) if policy is not None else []
    found += alert_needs(config, kinds)
    if owner:
        found.append(summary_need(config.xero_wa_summary_template, config.xero_wa_summary_language))
    if policy is not None:
        found += reply_needs(policy.replies, owner)
    return found


async def targets(
    runtime: Runtime,
    config: ServiceConfig,
    *,
    org: str | None,
    policy_file: str | None,
    connection: StoredOrInline | None,
) -> list[Target]:
    """The targets of a templates command (see module docstring)."""
    defaults = OrgDefaults.from_config(config)
    orgs = await asyncio.to_thread(_organisations, runtime, defaults)
    if orgs and connection is None:
        return _org_targets(orgs, org, config, defaults)
    if org is not None:
        raise errors.InputError.single("--org", "no organisation is stored yet (`xero-wa orgs`)")
    policy = load_policy(Path(policy_file) if policy_file else None)
    kinds = _kinds(defaults.invoice_alerts, defaults.payment_thanks)
    label = connection if isinstance(connection, str) else "WhatsApp account"
    return [Target(label, connection, needs(policy, kinds, defaults.owner_phone, config))]


def _organisations(runtime: Runtime, defaults: OrgDefaults) -> list[Any]:
    from component.orgs.view import load_all

    return load_all(runtime, defaults)


def _org_targets(
    orgs: list[Any], wanted: str | None, config: ServiceConfig, defaults: OrgDefaults
) -> list[Target]:
    from component.orgs.find import find_org

    chosen = [find_org(orgs, wanted, "--org")] if wanted else [o for o in orgs if o.enabled]
    by_connection: dict[str, Target] = {}
    loose: list[Target] = []
    for org in chosen:
        policy = org.policy.policy if org.jobs.reminders else None
        kinds = _kinds(org.jobs.invoice_alerts, org.jobs.payment_thanks)
        owner = org.row.owner_phone or defaults.owner_phone
        found = needs(policy, kinds, owner, config)
        name = org.whatsapp.name
        if name is None:
            problem = f"{org.name}: {org.whatsapp.problem}; {org.whatsapp.fix or ''}".rstrip("; ")
            loose.append(Target(org.name, None, found, [problem], reachable=False))
            continue
        target = by_connection.setdefault(name, Target(f"connection {name}", name))
        target.label = (
            f"{target.label}: {org.name}"
            if not target.requirements
            else (f"{target.label}, {org.name}")
        )
        target.requirements += found
        if org.jobs.reminders and org.policy.policy is None:
            target.problems.append(f"{org.name}: its policy cannot be read: {org.policy.problem}")
    return [*by_connection.values(), *loose]


def _kinds(invoice: bool, payment: bool) -> tuple[AlertKind, ...]:
    chosen: list[AlertKind] = []
    if invoice:
        chosen.append("invoice")
    if payment:
        chosen.append("payment")
    return tuple(chosen)
