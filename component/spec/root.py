"""Where the spec folders live, without importing the spec models (the CLI's start-up reads this)."""

from __future__ import annotations

import os
from pathlib import Path

#: The folders that hold spec files, under the root.
SPEC_FOLDERS = ("actions", "triggers", "datasources", "connections")


def spec_root() -> Path:
    """Where the spec folders live: ``XERO_WA_SPEC_ROOT``, else bundled in the wheel, else the checkout."""
    override = os.environ.get("XERO_WA_SPEC_ROOT")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent
    bundled = package / "_bundled"
    return bundled if bundled.is_dir() else package.parent


def spec_path() -> list[Path]:
    """Spec folders added on top of the root: ``XERO_WA_SPEC_PATH`` (os.pathsep-separated).

    Each holds any of ``actions/``, ``triggers/``, ``datasources/`` and ``connections/`` (no
    ``component.yaml``): adding one action means one file there, not a copy of the whole tree.
    """
    raw = os.environ.get("XERO_WA_SPEC_PATH") or ""
    return [Path(part) for part in raw.split(os.pathsep) if part.strip()]
