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
