"""Organisations as the product sees them: settings, chosen connections, policy, schedule, health.

``load_all`` reads everything from the store (after syncing links from the stored connections'
tenant lists), makes no call to Xero, and never raises for one organisation's problem: a problem
is part of that organisation's health. Problems have a severity:

- ``error``: the organisation cannot work (no Xero connection reaches it, every one needs
  re-authorisation, no WhatsApp connection, an invalid policy stops its reminders);
- ``warning``: it works, but someone should look (parked webhook events, time zone not read yet).

An organisation switched off at connect (``enabled`` false) is ``off``, not unhealthy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from component import errors
from component.oauth.access import token_repo
from component.orgs.defaults import OrgDefaults
from component.orgs.policy import LoadedPolicy, org_policy
from component.orgs.route import Choice, choose_whatsapp, choose_xero
from component.orgs.schedule import ReminderSchedule, org_schedule
from component.orgs.sync import sync_stored
from component.runtime import Runtime
from component.scheduler.cadence import Daily
from component.storage.organisations import LinkRow, OrgRow
from component.storage.tokens import TokenRecord

ERROR = "error"
WARNING = "warning"
REMINDERS = "reminders"
INVOICE_ALERTS = "invoiceAlerts"
PAYMENT_THANKS = "paymentThanks"


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity}
        out["message"] = self.message
        if self.fix:
            out["fix"] = self.fix
        return out


@dataclass(frozen=True)
class Jobs:
    reminders: bool
    invoice_alerts: bool
    payment_thanks: bool

    def to_json(self) -> dict[str, bool]:
        return {
            REMINDERS: self.reminders,
            INVOICE_ALERTS: self.invoice_alerts,
            PAYMENT_THANKS: self.payment_thanks,
        }


@dataclass(frozen=True)
class Organisation:
    row: OrgRow
    links: tuple[LinkRow, ...]
    xero: Choice
    whatsapp: Choice
    jobs: Jobs
    policy: LoadedPolicy
    schedule: ReminderSchedule
    problems: tuple[Problem, ...]
    parked: int = 0

    @property
    def tenant_id(self) -> str:
        return self.row.tenant_id

    @property
    def name(self) -> str:
        return self.row.name or self.row.tenant_id

    @property
    def enabled(self) -> bool:
        return self.row.enabled

    @property
    def health(self) -> str:
        if not self.enabled:
            return "off"
        if any(p.severity == ERROR for p in self.problems):
            return ERROR
        return WARNING if self.problems else "ok"

    @property
    def works(self) -> bool:
        """Can its WhatsApp jobs run at all (a Xero and a WhatsApp connection)?"""
        return self.enabled and self.xero.name is not None and self.whatsapp.name is not None

    def runs(self, job: str) -> bool:
        """Whether ``job`` (``reminders``, ``invoiceAlerts``, ``paymentThanks``) is on and able."""
        on = self.jobs.to_json().get(job, False)
        if not (on and self.works):
            return False
        return job != REMINDERS or self.policy.policy is not None

    def next_run(self, now: datetime) -> datetime | None:
        """The next reminder slot, when the reminder job is on and the zone is known."""
        zone = self.schedule.zone
        if not self.runs(REMINDERS) or zone is None or not self.schedule.days:
            return None
        return Daily(self.schedule.at, self.schedule.days, zone).after(now)

    def to_json(self, now: datetime) -> dict[str, Any]:
        upcoming = self.next_run(now)
        return {
            "tenantId": self.tenant_id,
            "name": self.name,
            "enabled": self.enabled,
            "health": self.health,
            "problems": [p.to_json() for p in self.problems],
            "xeroConnection": self.xero.name,
            "xeroConnectionWhy": self.xero.why,
            "xeroConnections": [
                {
                    "name": link.connection,
                    "state": link.state,
                    **({"disconnectedAt": link.disconnected_at} if link.disconnected_at else {}),
                }
                for link in self.links
            ],
            "whatsappConnection": self.whatsapp.name,
            "whatsappConnectionWhy": self.whatsapp.why,
            "jobs": self.jobs.to_json(),
            "policy": {
                "source": self.policy.source,
                "where": self.policy.where,
                "valid": self.policy.policy is not None,
                **({"problem": self.policy.problem} if self.policy.problem else {}),
            },
            "schedule": self.schedule.to_json(),
            "nextRun": upcoming.isoformat() if upcoming else None,
            "ownerPhone": self.row.owner_phone,
            "parkedEvents": self.parked,
        }


def build(
    row: OrgRow,
    links: list[LinkRow],
    records: dict[str, TokenRecord | None],
    whatsapp_names: list[str],
    defaults: OrgDefaults,
    parked: int = 0,
) -> Organisation:
    """One organisation's view from its stored facts (pure: no I/O besides a policy file)."""
    loaded = org_policy(row)
    jobs = Jobs(
        reminders=_flag(row.reminders, defaults.reminders),
        invoice_alerts=_flag(row.invoice_alerts, defaults.invoice_alerts),
        payment_thanks=_flag(row.payment_thanks, defaults.payment_thanks),
    )
    xero = choose_xero(row, links, records)
    whatsapp = choose_whatsapp(row, defaults, whatsapp_names)
    problems: list[Problem] = []
    if xero.problem:
        problems.append(Problem("xero_connection", ERROR, xero.problem, xero.fix))
    if whatsapp.problem:
        problems.append(Problem("whatsapp_connection", ERROR, whatsapp.problem, whatsapp.fix))
    if loaded.problem and jobs.reminders:
        problems.append(
            Problem(
                "policy_invalid",
                ERROR,
                f"its reminder policy ({loaded.where}) is invalid, so its reminders are "
                f"stopped: {loaded.problem}",
                "correct the file, or run `xero-wa orgs set ORG --policy FILE`",
            )
        )
    if parked:
        problems.append(
            Problem(
                "parked_events",
                WARNING,
                f"{parked} webhook event(s) failed repeatedly and are parked",
                "see `xero-wa events --state parked`, then `--replay ID`",
            )
        )
    if row.time_zone is None and jobs.reminders and xero.name is not None:
        problems.append(
            Problem(
                "time_zone_unknown",
                WARNING,
                "its time zone has not been read from Xero yet; the scheduler reads it first",
            )
        )
    return Organisation(
        row=row,
        links=tuple(links),
        xero=xero,
        whatsapp=whatsapp,
        jobs=jobs,
        policy=loaded,
        schedule=org_schedule(row, loaded.policy),
        problems=tuple(problems),
        parked=parked,
    )


def load_all(runtime: Runtime, defaults: OrgDefaults, *, sync: bool = True) -> list[Organisation]:
    """Every organisation in the store (none when there is no store yet)."""
    if not runtime.has_store:
        return []
    if sync:
        sync_stored(runtime)
    store = runtime.store
    links_by_tenant: dict[str, list[LinkRow]] = {}
    for link in store.organisations.links():
        links_by_tenant.setdefault(link.tenant_id, []).append(link)
    records = _records(runtime, {link.connection for link in store.organisations.links()})
    whatsapp_names = store.connections.names(family="whatsapp")
    parked = store.activity.parked_counts()
    return [
        build(
            row,
            links_by_tenant.get(row.tenant_id, []),
            records,
            whatsapp_names,
            defaults,
            parked.get(row.tenant_id, 0),
        )
        for row in store.organisations.all()
    ]


def load_one(runtime: Runtime, defaults: OrgDefaults, tenant_id: str) -> Organisation | None:
    """One organisation by tenant id (exact, then ignoring case), read without a sync."""
    if not runtime.has_store:
        return None
    store = runtime.store
    row = store.organisations.get(tenant_id)
    if row is None:
        folded = tenant_id.casefold()
        row = next((r for r in store.organisations.all() if r.tenant_id.casefold() == folded), None)
    if row is None:
        return None
    links = store.organisations.links(row.tenant_id)
    records = _records(runtime, {link.connection for link in links})
    parked = store.activity.parked_counts().get(row.tenant_id, 0)
    whatsapp_names = store.connections.names(family="whatsapp")
    return build(row, links, records, whatsapp_names, defaults, parked)


def _records(runtime: Runtime, names: set[str]) -> dict[str, TokenRecord | None]:
    repo = token_repo(runtime)
    out: dict[str, TokenRecord | None] = {}
    for name in sorted(names):
        try:
            out[name] = repo.get(name)
        except errors.ConnectionError:  # sealed with another key: cannot be used now
            out[name] = None
    return out


def _flag(value: bool | None, default: bool) -> bool:
    return default if value is None else value
