"""Start-up caches keyed by the hashes of the spec files: the loaded registry and the catalog.

Loading the registry parses and validates every YAML file and checks each handler's source
(pyyaml, pydantic, ``ast``): most of a second on a busy machine, paid by every command before it
does anything. Both caches are therefore named by a SHA-256 over every spec file and every
handler file beside them (path and bytes), the ``XERO_WA_SPEC_PATH`` folders, and the code that
reads them, so any change to a spec, a handler or to how specs are read makes a new entry: a
stale registry or catalog can never be used. They live in ``$XDG_CACHE_HOME/xero-wa``
(``~/.cache/xero-wa``); a cache that cannot be read or written is simply not used.

- ``cached_rows``: the few fields ``xero-wa actions`` lists, as JSON.
- ``cached_registry``: the whole checked registry, pickled, one entry per installation (spec
  root), so two checkouts or virtualenvs with the same specs keep one each. The file is written
  by the same user into their own cache folder and named by the digest of what it was built
  from, so loading it trusts nothing the user's own code and specs do not already get; a file
  that does not unpickle to a registry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from component.spec.root import SPEC_FOLDERS, spec_path, spec_root

if TYPE_CHECKING:
    from component.registry import Registry

Rows = list[dict[str, Any]]
_HERE = Path(__file__).parent
#: The code that turns spec files into a registry: a change to any of it makes new cache entries.
_CODE = (
    Path(__file__),
    _HERE / "models.py",
    _HERE / "loader.py",
    _HERE / "handlers.py",
    _HERE / "templates.py",
    _HERE.parent / "registry.py",
)
#: Spec files and the handler files beside them.
_SUFFIXES = (".yaml", ".yml", ".py")


def spec_digest(root: Path) -> str:
    """SHA-256 over every spec and handler file under ``root`` and the ``XERO_WA_SPEC_PATH``
    folders (path and bytes) and the code that reads them."""
    extras = spec_path()
    digest = hashlib.sha256()
    for extra in extras:  # the folders themselves count: another path, another registry
        digest.update(str(extra.resolve()).encode() + b"\0")
    files = [("component.yaml", str(root / "component.yaml"))]
    for top in [root, *extras]:
        for folder in SPEC_FOLDERS:
            files += _spec_files(str(top), folder, named_from_top=top == root)
    files += [(code.name, str(code)) for code in _CODE]  # by file name, wherever installed
    for name, path in files:
        digest.update(name.encode() + b"\0")
        try:
            with open(path, "rb") as file:
                digest.update(file.read())
        except OSError:  # absent (no component.yaml) or not a file: its name still counts
            pass
        digest.update(b"\0")
    return digest.hexdigest()


def _spec_files(top: str, folder: str, *, named_from_top: bool) -> list[tuple[str, str]]:
    """The spec and handler files under ``top/folder`` (``__pycache__`` left out), sorted, as
    (name, path): named from ``top`` (the root), else in full (a ``XERO_WA_SPEC_PATH`` folder).

    ``os.walk`` and plain strings: a ``Path`` per file, sorted and made relative, was most of
    the digest's time, and every command computes the digest."""
    found: list[tuple[str, str]] = []
    base = os.path.join(top, folder)
    for current, folders, names in os.walk(base):
        folders[:] = [f for f in folders if f != "__pycache__"]
        shown = folder + current[len(base) :] if named_from_top else current
        found += [
            (f"{shown}{os.sep}{name}", f"{current}{os.sep}{name}")
            for name in names
            if name.endswith(_SUFFIXES)
        ]
    found.sort()
    return found


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xero-wa"


def cached_rows(build: Callable[[], Rows], root: Path | None = None) -> Rows:
    """The catalog rows: from the cache when the spec files are unchanged, else ``build()``
    (which loads the registry) and cached for next time."""
    path = cache_dir() / f"actions-{spec_digest(root or spec_root())[:40]}.json"
    try:
        rows: Rows = json.loads(path.read_text(encoding="utf-8"))
        return rows
    except (OSError, ValueError):
        pass
    rows = build()
    _write(path, json.dumps(rows).encode())
    return rows


def cached_registry(build: Callable[[], Registry]) -> Registry:
    """The bundled registry (plus ``XERO_WA_SPEC_PATH``): unpickled when its files are
    unchanged, else ``build()`` (which raises a SpecError listing every problem: a registry
    with problems is never cached) and kept for next time."""
    from component.registry import Registry

    root = spec_root().resolve()
    # one entry per installation: two with the same specs would otherwise rebuild it in turn
    # (a registry holds its root) and each prune the other's
    installation = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    path = cache_dir() / f"registry-{installation}-{spec_digest(root)[:40]}.pickle"
    try:
        loaded = pickle.loads(path.read_bytes())  # noqa: S301 - the user's own file: see above
    except Exception:  # missing, partial or from other code: rebuilt, never fatal
        loaded = None
    if isinstance(loaded, Registry) and loaded.root == root:
        return loaded
    registry = build()
    _write(path, pickle.dumps(registry, protocol=pickle.HIGHEST_PROTOCOL))
    _prune(path.parent, f"registry-{installation}-*.pickle", keep=path)
    return registry


def _prune(folder: Path, pattern: str, keep: Path) -> None:
    """Remove the entries built from older files (each spec change would leave one behind)."""
    for old in folder.glob(pattern):
        if old != keep:
            old.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically (a reader never sees half a file); no cache if it fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home: no cache, same result
