"""``actions``, ``describe``, ``manifest``, ``lint`` as a user runs them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_actions_json_lists_keys_and_kinds(cli: Any) -> None:
    result = cli("actions", "--json")
    assert result.code == 0
    rows = {row["key"]: row for row in result.json}
    assert rows["listInvoices"]["kind"] == "declarative"
    assert rows["listConnections"]["kind"] == "handler"


def test_actions_table_for_people(cli: Any) -> None:
    result = cli("actions")
    assert result.code == 0
    assert "listInvoices" in result.out
    assert "List Invoices" in result.out


def test_describe_shows_the_reference_inputs(cli: Any) -> None:
    result = cli("describe", "listInvoices")
    assert result.code == 0
    for name in ("fetchAll", "modifiedAfter", "page", "where", "xeroConnection"):
        assert name in result.out
    as_json = cli("describe", "listInvoices", "--json").json
    assert [i["key"] for i in as_json["inputs"]] == [
        "fetchAll",
        "modifiedAfter",
        "page",
        "where",
        "xeroConnection",
    ]


def test_describe_unknown_key_suggests_close_ones(cli: Any) -> None:
    result = cli("describe", "listInvoice")
    assert result.code == 2
    assert result.error["code"] == "unknown_key"
    assert "listInvoices" in result.error["details"]["suggestions"]
    assert "Traceback" not in result.err


def test_manifest_is_json(cli: Any) -> None:
    result = cli("manifest")
    assert result.code == 0
    assert result.json["key"] == "xeroWhatsApp"


def test_lint_passes_on_the_shipped_specs(cli: Any) -> None:
    result = cli("lint")
    assert result.code == 0, result.err
    assert result.json["ok"] is True


def test_lint_names_file_and_line_of_a_broken_spec(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "specs"
    (root / "actions").mkdir(parents=True)
    (root / "component.yaml").write_text((ROOT / "component.yaml").read_text())
    (root / "actions" / "bad.yaml").write_text(
        "key: bad\nlabel: Bad\nsafety: read\nidempotent: true\n"
        "request:\n  method: GET\n  path: /X\n  qurey: {}\n"
    )
    monkeypatch.setenv("XERO_WA_SPEC_ROOT", str(root))
    result = cli("lint")
    assert result.code == 3
    assert result.error["code"] == "spec_error"
    assert result.error["details"]["problems"] == [
        "actions/bad.yaml:8: request.qurey: Extra inputs are not permitted"
    ]
    assert "Traceback" not in result.err


def test_help_lists_commands_without_loading_specs(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_WA_SPEC_ROOT", "/nonexistent")
    with pytest.raises(SystemExit) as info:
        cli("--help")
    assert info.value.code == 0


def test_building_the_parser_imports_nothing_heavy() -> None:
    """`xero-wa --help` must answer fast: command modules import heavy libraries lazily."""
    import subprocess
    import sys

    code = (
        "import sys, component.cli; component.cli.build_parser(); "
        "print(sorted(m for m in ('httpx', 'pydantic', 'starlette', 'rich', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


SHOUT_SPEC = """\
key: shoutText
label: Shout Text
description: Upper-cases a text (a user's own action, beside the bundled ones).
group: Custom
safety: read
idempotent: true
inputs:
  - key: text
    label: Text
    type: string
    required: true
    comments: The text to shout.
    example: hello
handler: shout:run
examplePayload:
  data: HELLO
"""


def test_a_spec_folder_on_the_search_path_adds_an_action_to_the_bundled_ones(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 34: XERO_WA_SPEC_ROOT replaces every spec, so adding one action meant
    copying the tree. A folder on XERO_WA_SPEC_PATH holds only the new action (and its handler);
    the bundled actions stay."""
    extra = tmp_path / "my-specs"
    (extra / "actions" / "custom").mkdir(parents=True)
    (extra / "actions" / "custom" / "shout.yaml").write_text(SHOUT_SPEC)
    (extra / "actions" / "custom" / "shout.py").write_text(
        "async def run(ctx):\n    return ctx.inputs['text'].upper()\n"
    )
    assert "shoutText" not in {a["key"] for a in cli("actions", "--json").json}  # now cached
    monkeypatch.setenv("XERO_WA_SPEC_PATH", str(extra))
    listed = {a["key"] for a in cli("actions", "--json").json}
    assert {"shoutText", "getInvoice", "sendPaymentReminders"} <= listed
    result = cli("run", "shoutText", "-i", "text=pay soon")
    assert result.code == 0, result.err
    assert result.json == {"data": "PAY SOON"}
    assert cli("lint").code == 0


def test_a_spec_path_folder_may_replace_a_bundled_spec_and_names_its_own_files(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "overrides"
    (extra / "actions").mkdir(parents=True)
    spec = (ROOT / "actions" / "accounts" / "get_account.yaml").read_text()
    (extra / "actions" / "get_account.yaml").write_text(
        spec.replace("label: Get Account", "label: Fetch Account")
    )
    (extra / "actions" / "broken.yaml").write_text("key: broken\nlabel: [\n")
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("XERO_WA_SPEC_PATH", os.pathsep.join([str(extra), str(missing)]))
    result = cli("lint")
    assert result.code == 3
    problems = result.error["details"]["problems"]
    assert problems[0] == f"XERO_WA_SPEC_PATH: {missing} is not a folder"
    assert problems[1].startswith("overrides/actions/broken.yaml:")
    monkeypatch.setenv("XERO_WA_SPEC_PATH", str(extra))
    (extra / "actions" / "broken.yaml").unlink()
    described = cli("describe", "getAccount", "--json").json
    assert described["display"]["label"] == "Fetch Account"
