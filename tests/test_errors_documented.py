"""The README's table of exit codes and HTTP statuses is the error tree's, row for row.

Issue 10 item 8 asks for "a documented exit code" for bad configuration: ``config_error`` (exit
10) existed but the table never listed it. Every error class, including the service's own, must
appear with its exit code (blank for a service-only error) and HTTP status.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from component import errors
from component.service import auth, http

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ROW = re.compile(r"^\| *(\d*) *\| *(\d*) *\| `(\w+)` \|", re.M)
DECLARES_A_CODE = re.compile(r"^    code = \"", re.M)


def error_classes() -> list[type[errors.XeroWaError]]:
    """Every error class, wherever it is declared (each module that sets a ``code`` is imported,
    so the answer does not depend on what other tests happened to import first)."""
    for path in sorted((ROOT / "component").rglob("*.py")):
        if DECLARES_A_CODE.search(path.read_text(encoding="utf-8")):
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    found: list[type[errors.XeroWaError]] = []
    stack: list[type[errors.XeroWaError]] = [errors.XeroWaError]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def test_every_error_class_is_documented_with_its_exit_code_and_status() -> None:
    assert auth.Unauthorized in error_classes()
    assert http.BodyTooLarge in error_classes()
    documented = {
        code: (exit_code, status) for exit_code, status, code in ROW.findall(README.read_text())
    }
    expected = {
        cls.code: (
            "" if cls.__module__.startswith("component.service") else str(cls.exit_code),
            str(cls.http_status),
        )
        for cls in error_classes()
    }
    assert documented == expected
