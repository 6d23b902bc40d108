"""The action catalog of ``xero-wa actions``, cached by the hashes of the spec files.

Listing the actions needs a few fields of each action spec, but loading the registry parses and
validates every YAML file (pyyaml, pydantic: most of a second on a busy machine). The rows are
therefore kept in a small JSON file named by a SHA-256 over every spec file (path and bytes),
the spec models' source and this module's, so any change to a spec or to how specs are read
makes a new cache entry: a stale catalog can never be shown. The cache lives in
``$XDG_CACHE_HOME/xero-wa`` (``~/.cache/xero-wa``); a cache that cannot be written is simply
not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from component.spec.root import SPEC_FOLDERS, spec_path, spec_root

Rows = list[dict[str, Any]]
_CODE = (Path(__file__), Path(__file__).with_name("models.py"))


def spec_digest(root: Path) -> str:
    """SHA-256 over every spec file under ``root`` and the ``XERO_WA_SPEC_PATH`` folders (path
    and bytes) and the code that reads them."""
    files = [root / "component.yaml"]
    digest = hashlib.sha256()
    for extra in spec_path():  # the folders themselves count: another path, another catalog
        digest.update(str(extra.resolve()).encode() + b"\0")
    for top in [root, *spec_path()]:
        for folder in SPEC_FOLDERS:
            base = top / folder
            if base.is_dir():
                files += sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml"))
    for path in [*files, *_CODE]:
        name = _name(path, root)
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def _name(path: Path, root: Path) -> str:
    """A root file by its relative path, the reading code by file name (wherever installed),
    an extra folder's file in full."""
    if path.is_relative_to(root):
        return str(path.relative_to(root))
    return path.name if path in _CODE else str(path)


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as tmp:
            json.dump(rows, tmp)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home: no cache, same output
    return rows
