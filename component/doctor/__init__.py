"""``xero-wa doctor``: is this installation healthy, and if not, what fixes it.

Each check says ``ok``, ``warn`` (works, but look) or ``fail`` (something will not work), with
the detail and the fix. Checks: the configuration (every bad variable, reusing
``component.config_problems``), the store (where, schema version against this code, read-only,
SQLite's ``PRAGMA quick_check``, newest backup) and each stored connection's health from what is
stored (token set present, expired, needs re-authorisation). Nothing goes over the network
unless ``online`` is set; then each Xero connection lists its organisations at Xero (refreshing
its token if due), which proves the tokens work.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from component import errors

if TYPE_CHECKING:
    from component.runtime import Runtime
    from component.storage.store import Store

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def configuration() -> tuple[list[Check], Any]:
    """The settings, or every problem with them (then the defaults stand in, so the other
    checks still run)."""
    from component.config import ENV_FILE, Settings, load_settings

    try:
        settings = load_settings()
    except errors.ConfigError as exc:
        checks = [
            Check("configuration", "fail", str(problem), f"fix {problem.variable}")
            for problem in exc.problems
        ]
        # Every other setting as configured; each bad one at its default.
        fields = Settings.model_fields
        defaults = {
            p.variable.lower(): fields[p.variable.lower()].default
            for p in exc.problems
            if p.variable.lower() in fields
        }
        try:
            fallback = Settings(_env_file=ENV_FILE, **defaults)
        except Exception:
            fallback = Settings.model_construct()
        return checks, fallback
    return [Check("configuration", "ok", "every setting is usable")], settings


def store_checks(runtime: Runtime) -> tuple[list[Check], Store | None]:
    """Open the store without changing it; report its version, access and integrity."""
    from component.storage.store import Store

    settings = runtime.settings
    location = settings.store_location
    try:
        store = Store.open(settings, policy="none")
    except errors.StoreError as exc:
        return [Check("store", "fail", exc.message)], None
    status = store.schema()
    checks = [Check("store", "ok", f"{store.dialect} store at {location}")]
    if status.newer:
        checks.append(
            Check(
                "schema",
                "fail",
                f"version {status.version}, written by a newer xero-wa ({', '.join(status.unknown)})",
                "upgrade xero-wa",
            )
        )
    elif status.pending:
        checks.append(
            Check(
                "schema",
                "warn",
                f"version {status.version}, this xero-wa needs {status.code_version} "
                f"({len(status.pending)} migration(s) pending); `serve` refuses to start",
                "xero-wa db upgrade",
            )
        )
    else:
        checks.append(Check("schema", "ok", f"version {status.version} (current)"))
    if store.read_only:
        checks.append(
            Check(
                "access",
                "warn",
                f"{location} is read-only for this user: read-only commands work, writes fail",
                "make the file and its folder writable by this user to send or record anything",
            )
        )
    checks.append(_integrity(store))
    if store.dialect == "sqlite":
        from component.storage.backups import backups_dir, newest_backup

        backup = newest_backup(Path(store.location))
        checks.append(
            Check("backup", "ok", f"newest backup: {backup}")
            if backup
            else Check(
                "backup",
                "warn",
                f"no backup in {backups_dir(Path(store.location))}",
                "xero-wa db backup",
            )
        )
    return checks, store


def _integrity(store: Store) -> Check:
    if store.dialect != "sqlite":
        return Check("integrity", "ok", "checked by PostgreSQL itself")
    try:
        with store.read() as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
    except errors.StoreError as exc:
        return Check("integrity", "fail", f"PRAGMA quick_check: {exc.message}")
    except Exception as exc:  # a malformed file answers with a database error
        return Check("integrity", "fail", f"PRAGMA quick_check failed: {exc}")
    if rows == ["ok"]:
        return Check("integrity", "ok", "PRAGMA quick_check: ok")
    from component.storage.backups import restore_hint

    return Check(
        "integrity",
        "fail",
        "PRAGMA quick_check: " + "; ".join(rows[:5]),
        restore_hint(Path(store.location)),
    )


def connection_checks(runtime: Runtime, now: datetime) -> list[Check]:
    """Each stored connection's health, from the store only."""
    from component.oauth.manage import list_connections

    found = list_connections(runtime)
    if not found:
        return [Check("connections", "warn", "no stored connection", "xero-wa connect xero")]
    checks = []
    for entry in found:
        name = f"connection {entry['name']}"
        status = entry.get("status")
        if status == "unreadable":
            checks.append(Check(name, "fail", entry.get("problem", "unreadable")))
        elif status != "active":
            detail = f"{status}: {entry.get('problem', '')}".rstrip(": ")
            checks.append(Check(name, "fail", detail, entry.get("fix")))
        elif entry["family"] == "xero" and "accessTokenExpiresAt" not in entry:
            checks.append(
                Check(
                    name,
                    "fail",
                    "no token set stored",
                    f"xero-wa connect xero --name {entry['name']}",
                )
            )
        elif "accessTokenExpiresAt" in entry:
            expires = datetime.fromisoformat(entry["accessTokenExpiresAt"])
            when = "expired" if expires <= now else "expires"
            extra = "; an interrupted refresh is pending" if "interruptedRefreshAt" in entry else ""
            checks.append(
                Check(
                    name,
                    "ok",
                    f"token set present; access token {when} {entry['accessTokenExpiresAt']} "
                    f"(refreshed on next use){extra}",
                )
            )
        else:
            checks.append(Check(name, "ok", f"{entry['type']} settings stored"))
    return checks


async def online_checks(runtime: Runtime) -> list[Check]:
    """Each stored Xero connection lists its organisations at Xero (a refresh if due)."""
    from component import sessions

    checks = []
    for name in runtime.store.connections.names(family="xero"):
        label = f"connection {name} (online)"
        try:
            session = await sessions.resolve(runtime, name, "xero")
            response = await runtime.http.get(
                runtime.settings.xero_connections_url, auth=session.auth
            )
        except errors.XeroWaError as exc:
            checks.append(Check(label, "fail", exc.message, getattr(exc, "reconnect", None)))
            continue
        except Exception as exc:  # the network: name the failure, never a traceback
            checks.append(
                Check(label, "fail", f"could not reach Xero: {type(exc).__name__}: {exc}")
            )
            continue
        if response.status_code == 200:
            count = len(response.json()) if isinstance(response.json(), list) else 0
            checks.append(Check(label, "ok", f"Xero answered; {count} organisation(s) reachable"))
        else:
            checks.append(
                Check(
                    label,
                    "fail",
                    f"Xero answered {response.status_code}",
                    f"xero-wa connect xero --name {name}",
                )
            )
    return checks
