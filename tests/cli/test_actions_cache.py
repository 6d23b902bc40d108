"""Issue 13 target 6: ``xero-wa actions`` reads its catalog from a cache keyed by the spec files'
hashes: the registry is not loaded again until a spec file changes, and the output is the same."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from component.registry import Registry
from component.spec.root import SPEC_FOLDERS, spec_root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "xero-wa"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts registry loads."""
    counted: list[int] = []
    load = Registry.load.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Registry], root: Path | None = None) -> Registry:
        counted.append(1)
        return load(cls, root)  # type: ignore[no-any-return]

    monkeypatch.setattr(Registry, "load", classmethod(counting))
    return counted


def test_the_second_listing_comes_from_the_cache(cli: Any, cache: Path, loads: list[int]) -> None:
    first = cli("actions", "--json")
    second = cli("actions", "--json")

    assert first.code == second.code == 0
    assert first.json == second.json
    assert {r["key"] for r in first.json} >= {"getInvoice", "listInvoices"}
    assert len(loads) == 1
    assert len(list(cache.glob("actions-*.json"))) == 1


def test_a_changed_spec_file_is_listed_as_it_now_is(
    cli: Any, cache: Path, loads: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "specs"
    root.mkdir()
    shutil.copy(spec_root() / "component.yaml", root / "component.yaml")
    for folder in SPEC_FOLDERS:
        shutil.copytree(spec_root() / folder, root / folder)
    monkeypatch.setenv("XERO_WA_SPEC_ROOT", str(root))
    before = {r["key"]: r["label"] for r in cli("actions", "--json").json}
    spec = root / "actions" / "invoices" / "get_invoice.yaml"
    spec.write_text(spec.read_text().replace("label: Get Invoice", "label: Fetch One Invoice"))

    after = {r["key"]: r["label"] for r in cli("actions", "--json").json}

    assert (before["getInvoice"], after["getInvoice"]) == ("Get Invoice", "Fetch One Invoice")
    assert len(loads) == 2
    assert len(list(cache.glob("actions-*.json"))) == 2
