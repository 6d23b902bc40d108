"""Human-readable output: data printed as written, nothing cut or dropped at any width.

Issue 10 item 4: a contact named ``Acme [/] Traders`` crashed ``remind`` (rich read it as a
closing tag) and ``describe createInvoice`` printed "Go to [app name]" as "Go to ". Item 36:
``actions`` and ``describe`` cut keys (``additionalFiel…``) and dropped the comments column at
80 columns.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from component.config import get_settings
from component.registry import Registry
from component.runtime import Runtime
from component.storage.tokens import TenantRef
from tests.connections.oauth_fixtures import store_connection

WIDTHS = [40, 60, 80, 100, 160]
MARKUP_NAME = "Acme [/] Traders [bold]:smile:"


def squeeze(text: str) -> str:
    """Text with every space and line break removed: wrapped text compares equal to its source."""
    return re.sub(r"\s+", "", text)


def parse_listing(out: str, headers: list[str]) -> dict[str, dict[str, str]]:
    """The rows of a ``print_rows`` listing, by key, whichever layout was printed.

    Table layout: column extents come from the header line, a row runs from its key's line to
    the next. Block layout: the key alone on a line, then ``  header: value`` lines (a value's
    folded continuation lines follow it).
    """
    lines = out.splitlines()[1:]  # the title
    header_line = lines[0] if lines else ""
    if all(h in header_line.split() for h in headers):
        starts = [header_line.index(h) for h in headers]
        rows: dict[str, dict[str, str]] = {}
        current: dict[str, str] = {}
        for line in lines[1:]:
            if line[: starts[1]].strip():
                current = dict.fromkeys(headers, "")
                rows[line[: starts[1]].strip()] = current
            for h, a, b in zip(headers, starts, [*starts[1:], None], strict=True):
                current[h] += line[a:b]
        return rows
    rows, key, field = {}, "", ""
    for line in lines:
        if not line.startswith("  "):
            key = line.strip()
            rows[key] = {headers[0]: key}
            continue
        label = next((h for h in headers[1:] if line.startswith(f"  {h}: ")), None)
        if label is not None:
            field = label
            rows[key][field] = line[len(f"  {label}: ") :]
        else:
            rows[key][field] += line
    return rows


@pytest.mark.parametrize("width", WIDTHS)
def test_describe_shows_every_input_whole_and_spec_text_as_written(
    cli: Any, monkeypatch: pytest.MonkeyPatch, registry: Registry, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("describe", "createInvoice")
    assert result.code == 0, result.err
    listing = result.out.split("Example output:")[0]
    _, _, inputs = listing.partition("safety: write (not idempotent)\n")
    assert all(len(line.rstrip()) <= width for line in listing.splitlines())
    headers = ["input", "label", "type", "required", "default", "comments"]
    rows = parse_listing(inputs, headers)
    spec = registry.action("createInvoice").spec
    assert sorted(rows) == sorted([*(i.key for i in spec.inputs), "xeroConnection"])
    for item in spec.inputs:
        row = rows[item.key]
        assert squeeze(row["label"]) == squeeze(item.label)
        assert squeeze(row.get("comments", "")) == squeeze(item.comments or ""), item.key
        assert squeeze(row.get("required", "")) == ("yes" if item.required else "")
    assert 'Goto[appname]"inXero.' in squeeze(rows["url"]["comments"])
    assert "…" not in result.out


@pytest.mark.parametrize("width", WIDTHS)
def test_actions_lists_every_key_whole_with_every_column(
    cli: Any, monkeypatch: pytest.MonkeyPatch, registry: Registry, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("actions")
    assert result.code == 0, result.err
    assert all(len(line.rstrip()) <= width for line in result.out.splitlines())
    rows = parse_listing(result.out, ["key", "label", "group", "kind", "safety"])
    assert sorted(rows) == sorted(registry.actions)
    for key, loaded in registry.actions.items():
        assert squeeze(rows[key]["label"]) == squeeze(loaded.spec.label), key
        assert squeeze(rows[key]["group"]) == squeeze(loaded.spec.group or "")
        assert squeeze(rows[key]["safety"]) == loaded.spec.safety
    assert "…" not in result.out


def test_connections_prints_a_tenant_name_with_markup_as_written(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    runtime = Runtime(settings=get_settings())
    try:
        tenant = TenantRef("tenant-1", MARKUP_NAME, "conn-1")
        store_connection(runtime, "acme", tenants=(tenant,), tenant=tenant)
    finally:
        asyncio.run(runtime.aclose())
    result = cli("connections")
    assert result.code == 0, result.err
    assert MARKUP_NAME in result.out


def test_remind_prints_every_contact_name_with_markup_as_written(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from component.reminders import sandbox as reminder_sandbox

    build = reminder_sandbox.demo_sandbox

    def marked(*args: Any, **kwargs: Any) -> Any:
        sandbox = build(*args, **kwargs)
        for org in sandbox.state.xero.orgs.values():
            for contact in org.contacts.values():
                contact.name = f"{MARKUP_NAME} {contact.name}"
        return sandbox

    monkeypatch.setattr(reminder_sandbox, "demo_sandbox", marked)
    result = cli("remind", "--sandbox", "--dry-run")
    assert result.code == 0, result.err
    assert MARKUP_NAME in result.out


def test_templates_output_prints_organisation_and_meta_text_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`templates check` headed each block with the organisation's name from Xero through a
    markup console: "Acme [/] Traders" crashed it (MarkupError), "[bold]" vanished; `templates
    list` did the same with Meta's texts."""
    from types import SimpleNamespace

    from component.cli.templates import _print_check, _print_listing, _print_submit
    from component.whatsapp.template_account import Submission
    from component.whatsapp.template_check import Finding, Report, Requirement

    monkeypatch.setenv("COLUMNS", "200")
    need = Requirement("payment_reminder", "en_GB", ("policy stage [overdue_7]",), ("name",))
    finding = Finding("run_summary", "en_GB", "error", "body says [red]Hi[/red] :smile:", "fix [/]")
    report = Report(checked=[need], findings=[finding])
    target = SimpleNamespace(label="WhatsApp account: Acme [/] Traders")
    _print_check([(target, report)])
    _print_submit([("Acme [/] Traders", [Submission("t", "en", "refused", message="[b]no[/b]")])])
    _print_listing(
        [{"target": "Acme [/] Traders", "templates": [{"name": "x[/]", "language": "en"}]}]
    )
    out = capsys.readouterr().out
    for text in (
        "WhatsApp account: Acme [/] Traders: 1 template(s) checked",
        "payment_reminder (en_GB)  (policy stage [overdue_7])",
        "run_summary (en_GB): body says [red]Hi[/red] :smile:",
        "fix: fix [/]",
        "refused  t (en): [b]no[/b]",
        "x[/]",
    ):
        assert text in out, out
