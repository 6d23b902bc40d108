"""``xero-wa orgs set``: change one organisation's settings, all or nothing.

Every value is checked before anything is written, and checked together: a new policy and a new
schedule must agree (a reminder time inside the policy's quiet hours, or a day that is not one of
its business days, is refused with the reason). Connection names must be stored ones (the error
lists the closest). A policy file must validate (its errors name file, line and field).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from component import errors
from component.orgs.defaults import OrgDefaults
from component.orgs.find import find_name, find_org
from component.orgs.policy import DEFAULT, FILE, STORED, org_policy
from component.orgs.schedule import org_schedule, parse_days, parse_time, refusal
from component.orgs.view import Organisation, load_all
from component.phones import normalise_recipient
from component.reminders.policy import load_policy
from component.runtime import Runtime

SWITCHES = {"on": True, "off": False}


@dataclass(frozen=True)
class OrgChanges:
    """What the user asked to change; ``None`` leaves a setting as it is."""

    whatsapp_connection: str | None = None
    xero_connection: str | None = None
    policy: str | None = None  # a file path, or "default"
    policy_copy: str | None = None  # a file whose text is stored
    remind_at: str | None = None
    days: str | None = None
    reminders: str | None = None  # on | off
    invoice_alerts: str | None = None
    payment_thanks: str | None = None
    enabled: str | None = None
    owner_phone: str | None = None  # E.164, or "none"


def apply_changes(
    runtime: Runtime, defaults: OrgDefaults, wanted: str, asked: OrgChanges
) -> Organisation:
    """Validate ``asked`` against the organisation ``wanted`` and store it; returns the result."""
    orgs = load_all(runtime, defaults)
    org = find_org(orgs, wanted, "ORG")
    changes: dict[str, Any] = {}
    problems: list[errors.FieldProblem] = []
    _connections(runtime, org, asked, changes, problems)
    _policy(asked, changes, problems)
    _switches(asked, changes, problems)
    _schedule(asked, changes, problems)
    _owner(asked, changes, problems)
    if problems:
        raise errors.InputError(problems, context=f"organisation {org.name}")
    _agree(org, changes)
    updated = runtime.store.organisations.update(org.tenant_id, changes, runtime.clock.now())
    return next(
        o for o in load_all(runtime, defaults, sync=False) if o.tenant_id == updated.tenant_id
    )


def _connections(
    runtime: Runtime,
    org: Organisation,
    asked: OrgChanges,
    changes: dict[str, Any],
    problems: list[errors.FieldProblem],
) -> None:
    store = runtime.store
    if asked.whatsapp_connection is not None:
        names = store.connections.names(family="whatsapp")
        try:
            changes["whatsapp_connection"] = find_name(
                "WhatsApp connection", "--whatsapp-connection", asked.whatsapp_connection, names
            )
        except errors.InputError as exc:
            problems.extend(exc.problems)
    if asked.xero_connection is not None:
        reaching = [link.connection for link in org.links if link.active]
        try:
            changes["xero_connection"] = find_name(
                "Xero connection reaching this organisation",
                "--xero-connection",
                asked.xero_connection,
                reaching,
            )
        except errors.InputError as exc:
            problems.extend(exc.problems)


def _policy(
    asked: OrgChanges, changes: dict[str, Any], problems: list[errors.FieldProblem]
) -> None:
    if asked.policy is not None and asked.policy_copy is not None:
        problems.append(errors.FieldProblem("--policy", "give --policy or --policy-copy, not both"))
        return
    if asked.policy is not None:
        if asked.policy.strip().lower() == DEFAULT:
            changes.update(policy_source=DEFAULT, policy_path=None, policy_yaml=None)
            return
        path = Path(asked.policy).expanduser().resolve()
        try:
            load_policy(path)
        except errors.InputError as exc:
            problems.extend(exc.problems)
            return
        changes.update(policy_source=FILE, policy_path=str(path), policy_yaml=None)
    if asked.policy_copy is not None:
        path = Path(asked.policy_copy).expanduser()
        try:
            load_policy(path)
            text = path.read_text(encoding="utf-8")
        except errors.InputError as exc:
            problems.extend(exc.problems)
            return
        changes.update(policy_source=STORED, policy_path=None, policy_yaml=text)


def _switches(
    asked: OrgChanges, changes: dict[str, Any], problems: list[errors.FieldProblem]
) -> None:
    for column, flag in (
        ("reminders", "--reminders"),
        ("invoice_alerts", "--invoice-alerts"),
        ("payment_thanks", "--payment-thanks"),
        ("enabled", "--enabled"),
    ):
        value = getattr(asked, column)
        if value is None:
            continue
        if value.strip().lower() not in SWITCHES:
            problems.append(errors.FieldProblem(flag, f"expected on or off, got {value!r}"))
            continue
        changes[column] = SWITCHES[value.strip().lower()]


def _schedule(
    asked: OrgChanges, changes: dict[str, Any], problems: list[errors.FieldProblem]
) -> None:
    if asked.remind_at is not None:
        try:
            changes["remind_at"] = f"{parse_time(asked.remind_at):%H:%M}"
        except ValueError as exc:
            problems.append(errors.FieldProblem("--remind-at", str(exc)))
    if asked.days is not None:
        try:
            changes["days"] = parse_days(asked.days)
        except ValueError as exc:
            problems.append(errors.FieldProblem("--days", str(exc)))


def _owner(asked: OrgChanges, changes: dict[str, Any], problems: list[errors.FieldProblem]) -> None:
    if asked.owner_phone is None:
        return
    if asked.owner_phone.strip().lower() in ("", "none"):
        changes["owner_phone"] = None
        return
    try:
        changes["owner_phone"] = normalise_recipient(asked.owner_phone, default_region="IN")
    except ValueError as exc:
        problems.append(errors.FieldProblem("--owner-phone", f"{exc}; write it as +CC…"))


def _agree(org: Organisation, changes: dict[str, Any]) -> None:
    """The schedule and the policy after the change must agree (the reason when they do not)."""
    row = replace(org.row, **{k: v for k, v in changes.items() if k in _ROW_FIELDS})
    loaded = org_policy(row)
    if loaded.policy is None:
        return  # an invalid stored file is reported by the organisation's health
    schedule = org_schedule(row, loaded.policy)
    why = refusal(schedule, loaded.policy)
    if why is None:
        return
    field = "--days" if "business day" in why else "--remind-at"
    if "days" not in changes and "remind_at" not in changes:
        field = "--policy"
    raise errors.InputError.single(field, f"schedule refused: {why}", context=org.name)


_ROW_FIELDS = {
    "xero_connection",
    "whatsapp_connection",
    "policy_source",
    "policy_path",
    "policy_yaml",
    "remind_at",
    "days",
}
