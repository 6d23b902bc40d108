"""What a connect flow stored, and dropping a process's cached state of a replaced connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from component.runtime import Runtime
from component.sessions import forget
from component.storage.tokens import TenantRef


@dataclass(frozen=True)
class Connected:
    """The outcome of connecting: safe to print (it holds no secret)."""

    name: str
    type: str
    family: str
    tenant: TenantRef | None = None
    tenants: tuple[TenantRef, ...] = ()
    scopes: str | None = None
    expires_at: datetime | None = None
    #: The tenants switched on as organisations (the others are stored, switched off).
    enabled: tuple[TenantRef, ...] = ()
    #: What the user should know about the choice (e.g. a --tenant that matched nothing).
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "family": self.family}
        if self.tenant is not None:
            out["tenantId"] = self.tenant.tenant_id
            out["tenantName"] = self.tenant.tenant_name
        on = {t.tenant_id for t in self.enabled}
        if self.tenants:
            out["tenants"] = [
                {"tenantId": t.tenant_id, "tenantName": t.tenant_name, "enabled": t.tenant_id in on}
                for t in self.tenants
            ]
        if self.notes:
            out["notes"] = list(self.notes)
        if self.scopes is not None:
            out["scopes"] = self.scopes
        if self.expires_at is not None:
            out["accessTokenExpiresAt"] = self.expires_at.isoformat(timespec="seconds")
        return out

    def summary(self) -> str:
        """One truthful sentence about what was saved (the browser page and the CLI say it)."""
        reached = self.tenants or ((self.tenant,) if self.tenant is not None else ())
        if not reached:
            return f"Connection {self.name!r} is saved."
        on = {t.tenant_id for t in self.enabled}
        names = [
            f"{t.tenant_name or t.tenant_id}{'' if t.tenant_id in on else ' (off)'}"
            for t in reached
        ]
        count = len(reached)
        orgs = "organisation" if count == 1 else f"{count} organisations"
        return f"Connection {self.name!r} is saved and reaches {orgs}: {', '.join(names)}."


def forget_cached(runtime: Runtime, name: str) -> None:
    """A reconnected or removed connection must not be served from this process's caches."""
    forget(runtime, name)
    keepers: dict[str, object] = runtime.shared_object("oauth.keepers", dict)
    for key in [k for k in keepers if k.startswith(f"stored:{name}:")]:
        del keepers[key]
