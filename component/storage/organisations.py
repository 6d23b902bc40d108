"""Organisations: every Xero tenant a stored connection reaches, with its own settings.

Two tables. ``organisations`` holds what the user decides per tenant (WhatsApp connection,
policy, jobs, schedule, owner phone) and what Xero told us about it (name, time zone).
``organisation_links`` records which stored Xero connection reaches which tenant, as Xero's
``GET /connections`` last listed it: several connections may reach one tenant (an owner and a
bookkeeper both connected it), and a tenant Xero stops listing is marked ``disconnected`` with
the time, never silently dropped (its history and settings stay).

``sync_links`` is the one writer of links: the connect flow and every fresh listing call it with
the connection's full tenant list. Deleting a stored connection removes its links (foreign key)
and leaves the organisations: they are then reached by nothing, which ``xero-wa orgs`` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.storage.events import stamp

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store

ACTIVE = "active"
DISCONNECTED = "disconnected"

#: Columns ``update`` may change (the user's settings); anything else is a programming error.
SETTINGS = (
    "enabled",
    "xero_connection",
    "whatsapp_connection",
    "policy_source",
    "policy_path",
    "policy_yaml",
    "reminders",
    "invoice_alerts",
    "payment_thanks",
    "remind_at",
    "days",
    "owner_phone",
)


@dataclass(frozen=True)
class TenantSeen:
    """One tenant in a connection's listing."""

    tenant_id: str
    name: str = ""
    xero_connection_id: str = ""


@dataclass(frozen=True)
class OrgRow:
    tenant_id: str
    name: str
    enabled: bool
    xero_connection: str | None
    whatsapp_connection: str | None
    policy_source: str
    policy_path: str | None
    policy_yaml: str | None
    reminders: bool | None
    invoice_alerts: bool | None
    payment_thanks: bool | None
    remind_at: str | None
    days: tuple[str, ...] | None
    time_zone: str | None
    country: str | None
    owner_phone: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class LinkRow:
    tenant_id: str
    connection: str
    xero_connection_id: str
    state: str
    first_seen: str
    last_seen: str
    disconnected_at: str | None

    @property
    def active(self) -> bool:
        return self.state == ACTIVE


@dataclass(frozen=True)
class SyncResult:
    added: tuple[str, ...] = ()
    disconnected: tuple[str, ...] = ()


class OrganisationsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ reads
    def all(self) -> list[OrgRow]:
        rows = self._store.fetchall("SELECT * FROM organisations ORDER BY name, tenant_id")
        return [_org(row) for row in rows]

    def get(self, tenant_id: str) -> OrgRow | None:
        row = self._store.fetchone("SELECT * FROM organisations WHERE tenant_id = ?", (tenant_id,))
        return _org(row) if row else None

    def links(self, tenant_id: str | None = None) -> list[LinkRow]:
        sql, args = "SELECT * FROM organisation_links", tuple[str, ...]()
        if tenant_id is not None:
            sql, args = sql + " WHERE tenant_id = ?", (tenant_id,)
        rows = self._store.fetchall(sql + " ORDER BY tenant_id, connection", args)
        return [_link(row) for row in rows]

    def links_of(self, connection: str) -> list[LinkRow]:
        rows = self._store.fetchall(
            "SELECT * FROM organisation_links WHERE connection = ? ORDER BY tenant_id",
            (connection,),
        )
        return [_link(row) for row in rows]

    # ------------------------------------------------------------------ writes
    def sync_links(
        self,
        connection: str,
        tenants: Iterable[TenantSeen],
        now: datetime,
        *,
        enable: frozenset[str] | None = None,
    ) -> SyncResult:
        """Record ``connection``'s full tenant list: new tenants become organisations, tenants
        it no longer lists are marked disconnected. ``enable`` (tenant ids) is the
        user's choice at connect: it sets ``enabled`` of every listed organisation."""
        when = stamp(now)
        seen = {t.tenant_id: t for t in tenants if t.tenant_id}
        added: list[str] = []
        with self._store.transaction() as conn:
            for tenant_id, tenant in seen.items():
                if _insert_org(conn, tenant_id, tenant.name, when, enable):
                    added.append(tenant_id)
                elif tenant.name:
                    conn.execute(
                        "UPDATE organisations SET name = ?, updated_at = ? WHERE tenant_id = ?",
                        (tenant.name, when, tenant_id),
                    )
                if enable is not None:
                    conn.execute(
                        "UPDATE organisations SET enabled = ? WHERE tenant_id = ?",
                        (1 if tenant_id in enable else 0, tenant_id),
                    )
                _upsert_link(conn, tenant_id, connection, tenant.xero_connection_id, when)
            gone = [
                row["tenant_id"]
                for row in conn.execute(
                    "SELECT tenant_id FROM organisation_links WHERE connection = ? AND state = ?",
                    (connection, ACTIVE),
                )
                if row["tenant_id"] not in seen
            ]
            for tenant_id in gone:
                conn.execute(
                    """UPDATE organisation_links SET state = ?, disconnected_at = ?
                       WHERE tenant_id = ? AND connection = ?""",
                    (DISCONNECTED, when, tenant_id, connection),
                )
        return SyncResult(tuple(added), tuple(gone))

    def update(self, tenant_id: str, changes: Mapping[str, Any], now: datetime) -> OrgRow:
        """Apply the user's settings (``SETTINGS`` columns); returns the updated row."""
        wrong = sorted(set(changes) - set(SETTINGS))
        if wrong:
            raise ValueError(f"not organisation settings: {', '.join(wrong)}")
        if changes:
            columns = list(changes)
            assignments = ", ".join(f"{c} = ?" for c in columns)
            values = [_column_value(changes[c]) for c in columns]
            with self._store.transaction() as conn:
                conn.execute(
                    f"UPDATE organisations SET {assignments}, updated_at = ? WHERE tenant_id = ?",  # noqa: S608 - column names from SETTINGS
                    (*values, stamp(now), tenant_id),
                )
        row = self.get(tenant_id)
        if row is None:
            raise LookupError(tenant_id)
        return row

    def remember_zone(
        self, tenant_id: str, time_zone: str, country: str | None, name: str | None, now: datetime
    ) -> None:
        """What Xero's ``/Organisation`` said: the zone schedules are computed in."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE organisations SET time_zone = ?, country = COALESCE(?, country),
                       name = CASE WHEN ? <> '' THEN ? ELSE name END, updated_at = ?
                   WHERE tenant_id = ?""",
                (time_zone, country, name or "", name or "", stamp(now), tenant_id),
            )


def _insert_org(
    conn: Conn, tenant_id: str, name: str, when: str, enable: frozenset[str] | None
) -> bool:
    enabled = 1 if enable is None or tenant_id in enable else 0
    cursor = conn.execute(
        """INSERT INTO organisations (tenant_id, name, enabled, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING""",
        (tenant_id, name, enabled, when, when),
    )
    return cursor.rowcount > 0


def _upsert_link(conn: Conn, tenant_id: str, connection: str, xero_id: str, when: str) -> None:
    conn.execute(
        """INSERT INTO organisation_links (tenant_id, connection, xero_connection_id, state,
               first_seen, last_seen)
           VALUES (?, ?, ?, 'active', ?, ?)
           ON CONFLICT (tenant_id, connection) DO UPDATE SET state = 'active',
               xero_connection_id = CASE WHEN excluded.xero_connection_id <> ''
                   THEN excluded.xero_connection_id ELSE organisation_links.xero_connection_id END,
               last_seen = excluded.last_seen, disconnected_at = NULL""",
        (tenant_id, connection, xero_id, when, when),
    )


def _column_value(value: Any) -> Any:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (tuple, list)):
        return ",".join(value)
    return value


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _org(row: Row) -> OrgRow:
    days = row["days"]
    return OrgRow(
        tenant_id=row["tenant_id"],
        name=row["name"],
        enabled=bool(row["enabled"]),
        xero_connection=row["xero_connection"],
        whatsapp_connection=row["whatsapp_connection"],
        policy_source=row["policy_source"],
        policy_path=row["policy_path"],
        policy_yaml=row["policy_yaml"],
        reminders=_flag(row["reminders"]),
        invoice_alerts=_flag(row["invoice_alerts"]),
        payment_thanks=_flag(row["payment_thanks"]),
        remind_at=row["remind_at"],
        days=tuple(d for d in days.split(",") if d) if days else None,
        time_zone=row["time_zone"],
        country=row["country"],
        owner_phone=row["owner_phone"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _link(row: Row) -> LinkRow:
    return LinkRow(
        tenant_id=row["tenant_id"],
        connection=row["connection"],
        xero_connection_id=row["xero_connection_id"],
        state=row["state"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        disconnected_at=row["disconnected_at"],
    )
