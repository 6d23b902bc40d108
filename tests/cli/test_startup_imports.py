"""What ``xero-wa run getInvoice --sandbox`` does not do on start-up (issue 13, target 6).

With the registry in the start-up cache, a command that makes no mistake needs neither difflib
(only "did you mean" suggestions use it) nor a validator of any spec model: the implied
connection input is made when the registry is loaded and kept in the cache with it. Without a
store, the rate ledger (and its migrations) have nothing to share Xero's limits through, and
with an inline connection nothing opens SQLite (sqlite3 is loaded by what opens it). And a
Xero action against the sandbox needs nothing of its WhatsApp side (its configuration models,
the message templates of ``component.notify``). Each is a millisecond or a few of every
command's start-up (the WhatsApp side about ten); these tests keep them out of it. That the
suggestions and the implied input still reach users is tested where they are used (tests/cli/
test_run.py, tests/test_registry.py) and below.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from component.registry import CONNECTION_INPUT_COMMENT, Registry
from component.spec.models import InputSpec

RUN = ["run", "getInvoice", "--sandbox", "--input", "invoiceId=INV-0001"]

#: Runs the command in a fresh interpreter, then reports what it left behind.
PROBE = """
import contextlib, io, json, sys
from component.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
from component.spec.models import InputSpec
print(json.dumps({
    "code": code,
    "invoice": json.loads(out.getvalue())["data"]["Invoices"][0]["InvoiceNumber"],
    "difflib": "difflib" in sys.modules,
    "spec_validator_built": InputSpec.__pydantic_complete__,
    "rate_ledger": "component.storage.rate_ledger" in sys.modules,
    "sqlite3": "sqlite3" in sys.modules,
    "uvloop": "uvloop" in sys.modules,
    "whatsapp_side": sorted(
        m for m in sys.modules
        if m.startswith(("component.sandbox.whatsapp", "component.notify"))
    ),
}))
"""


def _probe(tmp_path: Path) -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XERO_WA_HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *RUN],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_cached_run_imports_no_difflib_and_builds_no_spec_validator(tmp_path: Path) -> None:
    first = _probe(tmp_path)  # builds the start-up cache (and validates every spec)
    cached = _probe(tmp_path)
    assert first["code"] == cached["code"] == 0
    assert first["invoice"] == cached["invoice"] == "INV-0001"
    assert cached["difflib"] is False
    assert cached["spec_validator_built"] is False
    assert cached["rate_ledger"] is False  # no store: no ledger to share Xero's limits through
    assert cached["sqlite3"] is False  # no store and an inline connection: no SQLite at all
    assert cached["whatsapp_side"] == []  # a Xero action: the sandbox's WhatsApp side is not made
    assert cached["uvloop"] is False  # a one-off command keeps asyncio's loop (~40 ms to import)


def test_the_implied_connection_input_survives_the_cache_unchanged() -> None:
    """The input made at load and kept in the pickled registry is the one validated on use."""
    registry = pickle.loads(pickle.dumps(Registry.load()))  # noqa: S301 - our own object
    spec = registry.action("getInvoice").spec
    assert spec.connection == "xero"
    implied = registry.connection_input(spec)
    assert implied == InputSpec.model_validate(
        {
            "key": "xeroConnection",
            "label": "Connection",
            "type": "connection",
            "required": True,
            "comments": CONNECTION_INPUT_COMMENT,
            "connections": registry.family_connections("xero"),
        }
    )
    assert registry.all_inputs(spec)[-1] == implied


def test_a_registry_made_without_load_still_implies_the_input() -> None:
    loaded = Registry.load()
    bare = Registry(
        root=loaded.root,
        component=loaded.component,
        actions=loaded.actions,
        connections=loaded.connections,
    )
    spec = loaded.action("getInvoice").spec
    assert bare.connection_input(spec) == loaded.connection_input(spec)
