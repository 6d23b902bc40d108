"""Where xero-wa keeps its data by default: the platform's per-user data folder.

It lives apart from the storage package because the settings need it as a default value, and
settings sit below storage: storage reads the settings, never the other way round.
``XERO_WA_HOME`` overrides it (see ``component.config``); why the default is never the working
directory is told in ``component.storage.home``.
"""

from __future__ import annotations

from pathlib import Path

APP_NAME = "xero-wa"


def default_home() -> Path:
    """The per-user data folder (e.g. ``~/.local/share/xero-wa`` on Linux)."""
    import platformdirs  # imported on use: most commands name their home and never need it

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
