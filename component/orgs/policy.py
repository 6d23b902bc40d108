"""An organisation's reminder policy: the shipped default, a file it names, or a stored copy.

A file is read at each use, so an edit applies to the next run; a stored copy (``orgs set
--policy-copy FILE``, or the web app's policy editor) does not depend on any file. A policy that
fails validation makes only its organisation unhealthy: its jobs stop, the others' go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from component import errors
from component.reminders.policy import DEFAULT_POLICY_PATH, Policy, load_policy, parse_policy
from component.storage.organisations import OrgRow

DEFAULT = "default"
FILE = "file"
STORED = "stored"


@dataclass(frozen=True)
class LoadedPolicy:
    """The policy, or why there is none (``problem``), and where it came from."""

    source: str
    where: str
    policy: Policy | None
    problem: str | None = None
    text: str | None = None


def org_policy(row: OrgRow) -> LoadedPolicy:
    """Load and validate ``row``'s policy; never raises (a problem is reported instead)."""
    if row.policy_source == STORED:
        where = "the stored copy"
        text = row.policy_yaml or ""
        try:
            return LoadedPolicy(STORED, where, parse_policy(text, "stored policy"), text=text)
        except errors.XeroWaError as exc:
            return LoadedPolicy(STORED, where, None, exc.message, text)
    if row.policy_source == FILE and row.policy_path:
        path = Path(row.policy_path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return LoadedPolicy(FILE, str(path), None, f"cannot read {path}: {exc}")
        try:
            return LoadedPolicy(FILE, str(path), parse_policy(text, str(path)), text=text)
        except errors.XeroWaError as exc:
            return LoadedPolicy(FILE, str(path), None, exc.message, text)
    return LoadedPolicy(DEFAULT, str(DEFAULT_POLICY_PATH), load_policy())
