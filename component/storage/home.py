"""Where the data home is, and refusing to send while two stores could both be "the" store.

The data home used to default to ``./.xero-wa``, relative to the working directory: running
``xero-wa remind`` from three folders made three stores, and every customer got the same
reminder three times (issue 10 item 1). The default is now the platform's per-user data folder
(``component.data_home.default_home``, e.g. ``~/.local/share/xero-wa`` on Linux);
``XERO_WA_HOME`` still overrides it.

A ``./.xero-wa`` with a store in it, left by an older version (or by habit), beside a different
configured home means two stores, each with its own memory of what was sent. Commands that send
(``remind``, ``serve``, ``worker``, ``run`` of a write action) refuse then, naming both stores
and how to choose; read-only commands keep working.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from component.errors import StoreError

if TYPE_CHECKING:
    from component.config import Settings

LEGACY_HOME = Path(".xero-wa")


def check_single_store(settings: Settings, cwd: Path | None = None) -> None:
    """Refuse when ``./.xero-wa`` holds a store and the configured home is another folder."""
    if (
        settings.xero_wa_database_url is not None
        and settings.xero_wa_database_url.get_secret_value()
    ):
        configured = "the PostgreSQL database of XERO_WA_DATABASE_URL"
        home = None
    else:
        home = settings.xero_wa_home
        configured = str(settings.store_path)
    legacy = (cwd or Path.cwd()) / LEGACY_HOME / "state.db"
    try:
        if not legacy.is_file():
            return
        if home is not None and _same(legacy.parent, home):
            return
    except OSError:
        return
    origin = "XERO_WA_HOME" if "XERO_WA_HOME" in os.environ else "the per-user default"
    exists = home is None or (home / "state.db").exists()
    raise StoreError(
        f"two xero-wa stores exist: {legacy} (in this folder's .xero-wa, the old default) and "
        f"{configured} ({origin}{'' if exists else ', not created yet'}). Each remembers "
        "different sends, so sending now could repeat reminders; xero-wa stops. Choose one: to "
        f"keep the one in this folder, set XERO_WA_HOME={legacy.parent.resolve()}"
        + (
            f" or move it there (mv {legacy.parent.resolve()} {home})"
            if home and not exists
            else ""
        )
        + f"; if it is obsolete, rename or delete {legacy.parent.resolve()}"
    )


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
