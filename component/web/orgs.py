"""The organisations a page can show: every Xero tenant reached by a stored Xero connection.

A page is about one organisation at a time, chosen with ``?org=TENANT_ID`` (a tenant id is not a
secret) or a form field ``org``; without a choice the first organisation is shown. Actions run
through the connection that reaches the chosen tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from component import errors
from component.oauth.access import token_repo
from component.runtime import Runtime
from component.storage.tokens import TenantRef


@dataclass(frozen=True)
class Org:
    tenant_id: str
    name: str
    #: The stored connection that reaches this organisation.
    connection: str

    @property
    def label(self) -> str:
        return self.name or self.tenant_id


def organisations(runtime: Runtime) -> list[Org]:
    """Every organisation of every stored Xero connection, once each, by name."""
    if not runtime.settings.store_path.exists():
        return []
    repo = token_repo(runtime)
    seen: dict[str, Org] = {}
    for name in runtime.store.connections.names(family="xero"):
        try:
            record = repo.get(name)
        except errors.ConnectionError:  # sealed with another key: the connections page says so
            continue
        if record is None:
            continue
        tenants = list(record.tenants)
        if record.tenant_id and not any(t.tenant_id == record.tenant_id for t in tenants):
            tenants.append(TenantRef(record.tenant_id, record.tenant_name or ""))
        for tenant in tenants:
            if tenant.tenant_id and tenant.tenant_id not in seen:
                seen[tenant.tenant_id] = Org(tenant.tenant_id, tenant.tenant_name, name)
    return sorted(seen.values(), key=lambda o: (o.label.casefold(), o.tenant_id))


def pick(orgs: list[Org], wanted: str) -> Org | None:
    """The organisation asked for, else the first one; None when there is none at all."""
    folded = wanted.casefold()
    return next((o for o in orgs if o.tenant_id.casefold() == folded), orgs[0] if orgs else None)


def policy_text(runtime: Runtime, org: Org) -> str:
    """The YAML of the organisation's reminder policy (the shipped default until one is saved)."""
    from component.reminders.policy import DEFAULT_POLICY_PATH

    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def save_policy(runtime: Runtime, org: Org, text: str) -> None:
    """Store ``text`` as the organisation's own copy of its policy (validated by the caller)."""
    runtime.store.organisations.update(
        org.tenant_id,
        {"policy_source": "stored", "policy_path": None, "policy_yaml": text},
        runtime.clock.now(),
    )
