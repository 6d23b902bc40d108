"""Issue 13 target 6: every command gets the checked registry from a cache keyed by the hashes
of the spec and handler files, so YAML is parsed and validated only after a file changed; a
changed, broken or unreadable cache is never used as it is. ``xero-wa actions`` reads its
catalog from a cache with the same key, and lists exactly what a fresh load would."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from component.errors import SpecError
from component.registry import Registry
from component.runtime import Runtime
from component.spec.root import SPEC_FOLDERS, spec_root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "xero-wa"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full registry loads (YAML parsed and validated)."""
    counted: list[int] = []
    load = Registry.load.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Registry], root: Path | None = None) -> Registry:
        counted.append(1)
        return load(cls, root)  # type: ignore[no-any-return]

    monkeypatch.setattr(Registry, "load", classmethod(counting))
    return counted


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled specs, used as the spec root."""
    root = tmp_path / "specs"
    root.mkdir()
    shutil.copy(spec_root() / "component.yaml", root / "component.yaml")
    for folder in SPEC_FOLDERS:
        shutil.copytree(spec_root() / folder, root / folder)
    monkeypatch.setenv("XERO_WA_SPEC_ROOT", str(root))
    return root


def test_a_runtime_takes_the_registry_from_the_cache_after_the_first_load(
    cache: Path, loads: list[int]
) -> None:
    first = Runtime().registry
    second = Runtime().registry

    assert len(loads) == 1
    assert sorted(second.actions) == sorted(first.actions)
    assert second.action("getInvoice").spec == first.action("getInvoice").spec
    assert len(list(cache.glob("registry-*.pickle"))) == 1


def test_a_changed_spec_is_loaded_as_it_now_is_and_the_old_entry_removed(
    cache: Path, loads: list[int], specs: Path
) -> None:
    before = Registry.load_cached().action("getInvoice").spec.label
    spec = specs / "actions" / "invoices" / "get_invoice.yaml"
    spec.write_text(spec.read_text().replace("label: Get Invoice", "label: Fetch One Invoice"))

    after = Registry.load_cached().action("getInvoice").spec.label

    assert (before, after) == ("Get Invoice", "Fetch One Invoice")
    assert len(loads) == 2
    assert len(list(cache.glob("registry-*.pickle"))) == 1


def test_two_installations_with_the_same_specs_keep_one_entry_each(
    cache: Path, loads: list[int], specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkouts (or virtualenvs) of the same version share the user's cache folder: each
    keeps its own entry, instead of rebuilding the registry every time the other one ran."""
    other = tmp_path / "other-checkout"
    shutil.copytree(specs, other)
    for root in (specs, other, specs, other):
        monkeypatch.setenv("XERO_WA_SPEC_ROOT", str(root))
        assert Registry.load_cached().root == root.resolve()

    assert len(loads) == 2  # one load per installation, then each from its own entry
    assert len(list(cache.glob("registry-*.pickle"))) == 2


def test_a_handler_that_lost_its_function_is_reported_not_served_from_the_cache(
    cache: Path, specs: Path
) -> None:
    Registry.load_cached()
    handlers = sorted((specs / "actions").rglob("*.py"))
    handler = next(p for p in handlers if "async def run(" in p.read_text())
    handler.write_text(handler.read_text().replace("async def run(", "async def gone("))

    with pytest.raises(SpecError) as raised:
        Registry.load_cached()

    assert f"handler function 'run' not defined in {handler.name}" in str(raised.value)


def test_a_registry_with_problems_is_never_cached(cache: Path, specs: Path) -> None:
    spec = specs / "actions" / "invoices" / "get_invoice.yaml"
    spec.write_text(spec.read_text().replace("key: getInvoice", "key: get invoice"))

    for _ in range(2):
        with pytest.raises(SpecError):
            Registry.load_cached()

    assert list(cache.glob("registry-*.pickle")) == []


@pytest.mark.parametrize("junk", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_damaged_cache_file_is_rebuilt(cache: Path, loads: list[int], junk: bytes) -> None:
    Registry.load_cached()
    (entry,) = cache.glob("registry-*.pickle")
    entry.write_bytes(junk)  # truncated, garbage, or a pickle of something else (the int 1)

    registry = Registry.load_cached()

    assert "getInvoice" in registry.actions
    assert len(loads) == 2
    assert entry.read_bytes() != junk


def test_an_unwritable_cache_folder_only_costs_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: list[int]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))

    assert "getInvoice" in Registry.load_cached().actions
    assert "getInvoice" in Registry.load_cached().actions
    assert len(loads) == 2


def test_the_second_listing_comes_from_the_cache(cli: Any, cache: Path, loads: list[int]) -> None:
    first = cli("actions", "--json")
    second = cli("actions", "--json")

    assert first.code == second.code == 0
    assert first.json == second.json
    assert {r["key"] for r in first.json} >= {"getInvoice", "listInvoices"}
    assert len(loads) == 1
    assert len(list(cache.glob("actions-*.json"))) == 1


def test_a_changed_spec_file_is_listed_as_it_now_is(
    cli: Any, cache: Path, loads: list[int], specs: Path
) -> None:
    before = {r["key"]: r["label"] for r in cli("actions", "--json").json}
    spec = specs / "actions" / "invoices" / "get_invoice.yaml"
    spec.write_text(spec.read_text().replace("label: Get Invoice", "label: Fetch One Invoice"))

    after = {r["key"]: r["label"] for r in cli("actions", "--json").json}

    assert (before["getInvoice"], after["getInvoice"]) == ("Get Invoice", "Fetch One Invoice")
    assert len(loads) == 2
    assert len(list(cache.glob("actions-*.json"))) == 2


def test_the_key_changes_with_any_spec_or_handler_file_and_nothing_else(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key covers every spec and handler file by name and bytes, in nested folders
    and in XERO_WA_SPEC_PATH folders, and ignores compiled bytecode and other files."""
    from component.spec.cache import spec_digest

    keys = [spec_digest(specs)]

    def changed() -> bool:
        keys.append(spec_digest(specs))
        return keys[-1] != keys[-2]

    nested = specs / "actions" / "invoices" / "deep" / "more"
    nested.mkdir(parents=True)
    (nested / "extra.yml").write_text("key: x\n")
    assert changed()
    (nested / "extra.yml").write_text("key: y\n")
    assert changed()
    (nested / "extra.yml").rename(nested / "renamed.yml")
    assert changed()
    (specs / "connections" / "helper.py").write_text("X = 1\n")
    assert changed()
    (specs / "actions" / "__pycache__").mkdir(exist_ok=True)
    (specs / "actions" / "__pycache__" / "stale.py").write_text("ignored\n")
    (specs / "actions" / "helper.pyc").write_bytes(b"ignored")
    (specs / "actions" / "notes.txt").write_text("ignored\n")
    assert not changed()
    extra = tmp_path / "mine"
    (extra / "actions").mkdir(parents=True)
    monkeypatch.setenv("XERO_WA_SPEC_PATH", str(extra))
    assert changed()  # another search path, another registry
    (extra / "actions" / "shout.yaml").write_text("key: shoutText\n")
    assert changed()
    (extra / "actions" / "shout.yaml").write_text("key: shoutLouder\n")
    assert changed()


def test_the_same_specs_elsewhere_have_the_same_key(specs: Path, tmp_path: Path) -> None:
    from component.spec.cache import spec_digest

    other = tmp_path / "elsewhere"
    shutil.copytree(specs, other)
    assert spec_digest(other) == spec_digest(specs)
