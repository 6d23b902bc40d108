"""Token sets of stored connections: one row per connection, updated in short transactions.

The refresh protocol (see ``component.oauth.refresh``) uses three writes, each its own short
``BEGIN IMMEDIATE`` transaction, so no transaction ever spans a network call:

1. ``begin_refresh`` records the refresh token about to be sent (the *in-flight* record);
2. ``finish_refresh`` stores the new refresh token and access token, remembers the rotated-away
   refresh token (Xero accepts it for 30 minutes) and clears the in-flight record, atomically;
3. or ``mark_needs_reauth`` when Xero refused the grant for good.

If the process dies between the token response and step 2, the in-flight record survives and
names the refresh token to retry with: the one Xero just rotated away, still inside its grace.
Token columns go through a :class:`~component.storage.crypto.Cipher`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.oauth.token_set import TokenSet
from component.storage.crypto import Cipher
from component.storage.database import rerun_on_drop

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store

ACTIVE = "active"
NEEDS_REAUTH = "needs_reauth"


@dataclass(frozen=True)
class TenantRef:
    """One organisation the token may access, from Xero's ``GET /connections``."""

    tenant_id: str
    tenant_name: str = ""
    #: The ``id`` of the connection at Xero (``DELETE /connections/{id}`` disconnects it).
    connection_id: str = ""
    tenant_type: str = "ORGANISATION"

    @classmethod
    def from_xero(cls, item: dict[str, Any]) -> TenantRef:
        return cls(
            tenant_id=str(item.get("tenantId") or ""),
            tenant_name=str(item.get("tenantName") or ""),
            connection_id=str(item.get("id") or ""),
            tenant_type=str(item.get("tenantType") or "ORGANISATION"),
        )

    def to_json(self) -> dict[str, str]:
        return {
            "tenantId": self.tenant_id,
            "tenantName": self.tenant_name,
            "id": self.connection_id,
            "tenantType": self.tenant_type,
        }


@dataclass(frozen=True)
class Inflight:
    """A refresh that was started and whose answer was not stored (yet, or ever)."""

    refresh_token: str | None = field(repr=False)
    started_at: datetime
    owner: str


@dataclass(frozen=True)
class TokenRecord:
    """Everything stored about one connection's tokens. Secret fields stay out of ``repr``."""

    connection: str
    grant_type: str
    tokens: TokenSet | None
    status: str = ACTIVE
    status_reason: str | None = None
    previous_refresh_token: str | None = field(default=None, repr=False)
    rotated_at: datetime | None = None
    inflight: Inflight | None = None
    tenant_id: str | None = None
    tenant_name: str | None = None
    tenants: tuple[TenantRef, ...] = ()
    generation: int = 0

    @property
    def needs_reauth(self) -> bool:
        return self.status == NEEDS_REAUTH

    @property
    def refresh_token(self) -> str | None:
        return self.tokens.refresh_token if self.tokens else None

    def tenant(self, tenant_id: str) -> TenantRef | None:
        folded = tenant_id.casefold()
        return next((t for t in self.tenants if t.tenant_id.casefold() == folded), None)


class TokenRepo:
    """SQL for ``token_sets``. Methods are synchronous and short: call them via ``to_thread``."""

    def __init__(self, store: Store, cipher: Cipher) -> None:
        self._store = store
        self._cipher = cipher

    # ------------------------------------------------------------------ reads
    def get(self, name: str) -> TokenRecord | None:
        with self._store.read() as conn:
            row = conn.execute("SELECT * FROM token_sets WHERE connection = ?", (name,)).fetchone()
        return None if row is None else self._record(row)

    def _record(self, row: Row) -> TokenRecord:
        what = f"the tokens of connection {row['connection']!r}"
        access = self._cipher.open(row["access_token"], what)
        tokens = None
        if access is not None and row["expires_at"] is not None:
            tokens = TokenSet(
                access_token=access,
                expires_at=datetime.fromisoformat(row["expires_at"]),
                refresh_token=self._cipher.open(row["refresh_token"], what),
                scope=row["scope"],
            )
        inflight = None
        if row["inflight_started_at"] is not None:
            inflight = Inflight(
                refresh_token=self._cipher.open(row["inflight_refresh_token"], what),
                started_at=datetime.fromisoformat(row["inflight_started_at"]),
                owner=row["inflight_owner"] or "",
            )
        return TokenRecord(
            connection=row["connection"],
            grant_type=row["grant_type"],
            tokens=tokens,
            status=row["status"],
            status_reason=row["status_reason"],
            previous_refresh_token=self._cipher.open(row["previous_refresh_token"], what),
            rotated_at=_when(row["rotated_at"]),
            inflight=inflight,
            tenant_id=row["tenant_id"],
            tenant_name=row["tenant_name"],
            tenants=tuple(TenantRef.from_xero(t) for t in json.loads(row["tenants_json"])),
            generation=row["generation"],
        )

    # ------------------------------------------------------------------ writes
    @rerun_on_drop
    def save(
        self,
        name: str,
        grant_type: str,
        tokens: TokenSet | None,
        now: datetime,
        *,
        tenants: tuple[TenantRef, ...] = (),
        tenant: TenantRef | None = None,
        first: Callable[[Conn], None] | None = None,
    ) -> None:
        """Replace the token set of ``name`` (a new authorisation): active, nothing in flight.

        ``first`` runs in the same transaction, before: the connect flow writes the connection
        row there, so a connection is never stored without its tokens.
        """
        seal = self._cipher.seal
        with self._store.transaction() as conn:
            if first is not None:
                first(conn)
            conn.execute(
                """INSERT INTO token_sets (connection, grant_type, access_token, expires_at,
                       refresh_token, scope, status, tenant_id, tenant_name, tenants_json,
                       generation, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, 1, ?)
                   ON CONFLICT(connection) DO UPDATE SET grant_type = excluded.grant_type,
                       access_token = excluded.access_token, expires_at = excluded.expires_at,
                       refresh_token = excluded.refresh_token, scope = excluded.scope,
                       previous_refresh_token = NULL, rotated_at = NULL,
                       inflight_refresh_token = NULL, inflight_started_at = NULL,
                       inflight_owner = NULL, status = 'active', status_reason = NULL,
                       tenant_id = excluded.tenant_id, tenant_name = excluded.tenant_name,
                       tenants_json = excluded.tenants_json,
                       generation = token_sets.generation + 1, updated_at = excluded.updated_at""",
                (
                    name,
                    grant_type,
                    seal(tokens.access_token) if tokens else None,
                    tokens.expires_at.isoformat() if tokens else None,
                    seal(tokens.refresh_token) if tokens else None,
                    tokens.scope if tokens else None,
                    tenant.tenant_id if tenant else None,
                    tenant.tenant_name if tenant else None,
                    json.dumps([t.to_json() for t in tenants]),
                    now.isoformat(),
                ),
            )

    @rerun_on_drop
    def begin_refresh(self, name: str, refresh_token: str | None, owner: str, now: datetime) -> int:
        """Record the refresh about to be sent; returns the generation it started from."""
        with self._store.transaction() as conn:
            cursor = conn.execute(
                """UPDATE token_sets SET inflight_refresh_token = ?, inflight_started_at = ?,
                       inflight_owner = ?, updated_at = ? WHERE connection = ?""",
                (self._cipher.seal(refresh_token), now.isoformat(), owner, now.isoformat(), name),
            )
            if cursor.rowcount == 0:
                raise LookupError(name)
            row = conn.execute(
                "SELECT generation FROM token_sets WHERE connection = ?", (name,)
            ).fetchone()
        return int(row["generation"])

    @rerun_on_drop
    def finish_refresh(
        self, name: str, tokens: TokenSet, used: str | None, generation: int, now: datetime
    ) -> bool:
        """Store a refresh's answer, in one transaction; False if the row was replaced meanwhile.

        A refresh token that did not change (client credentials have none) is not "rotated".
        """
        rotated = used is not None and tokens.refresh_token not in (None, used)
        seal = self._cipher.seal
        with self._store.transaction() as conn:
            cursor = conn.execute(
                """UPDATE token_sets SET access_token = ?, expires_at = ?,
                       refresh_token = COALESCE(?, refresh_token), scope = COALESCE(?, scope),
                       previous_refresh_token = CASE WHEN ? THEN ? ELSE previous_refresh_token END,
                       rotated_at = CASE WHEN ? THEN ? ELSE rotated_at END,
                       inflight_refresh_token = NULL, inflight_started_at = NULL,
                       inflight_owner = NULL, status = 'active', status_reason = NULL,
                       generation = generation + 1, updated_at = ?
                   WHERE connection = ? AND generation = ?""",
                (
                    seal(tokens.access_token),
                    tokens.expires_at.isoformat(),
                    seal(tokens.refresh_token),
                    tokens.scope,
                    rotated,
                    seal(used),
                    rotated,
                    now.isoformat(),
                    now.isoformat(),
                    name,
                    generation,
                ),
            )
        return cursor.rowcount > 0

    @rerun_on_drop
    def mark_needs_reauth(self, name: str, reason: str, now: datetime) -> None:
        """Xero refused the grant for good: later calls fail fast without asking Xero again."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE token_sets SET status = 'needs_reauth', status_reason = ?,
                       inflight_refresh_token = NULL, inflight_started_at = NULL,
                       inflight_owner = NULL, updated_at = ? WHERE connection = ?""",
                (reason, now.isoformat(), name),
            )

    @rerun_on_drop
    def set_tenants(
        self, name: str, tenants: tuple[TenantRef, ...], selected: TenantRef | None, now: datetime
    ) -> None:
        """Cache the tenant list (and the selected tenant, when one is given)."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE token_sets SET tenants_json = ?,
                       tenant_id = COALESCE(?, tenant_id), tenant_name = COALESCE(?, tenant_name),
                       updated_at = ? WHERE connection = ?""",
                (
                    json.dumps([t.to_json() for t in tenants]),
                    selected.tenant_id if selected else None,
                    selected.tenant_name if selected else None,
                    now.isoformat(),
                    name,
                ),
            )


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
