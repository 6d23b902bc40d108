"""Reads YAML spec files into models, with errors that name the file and line.

The kind of a spec follows from its folder: ``actions/`` holds ActionSpecs, ``triggers/``
TriggerSpecs, ``datasources/`` DataSourceSpecs and ``connections/`` ConnectionSpecs. YAML is
parsed once into nodes so that a pydantic error location (``inputs.2.type``) can be turned back
into the line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from component.errors import SpecError
from component.spec.models import (
    ActionSpec,
    ComponentSpec,
    ConnectionSpec,
    DataSourceSpec,
    TriggerSpec,
)

FOLDERS: dict[str, type[BaseModel]] = {
    "actions": ActionSpec,
    "triggers": TriggerSpec,
    "datasources": DataSourceSpec,
    "connections": ConnectionSpec,
}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated spec and the file it came from (handlers are resolved beside it)."""

    spec: M
    path: Path
    #: The path as shown in messages (relative to the spec root).
    display: str
    lines: dict[tuple[str | int, ...], int]
    #: The spec folder it was found in (the bundled root or one on ``XERO_WA_SPEC_PATH``).
    root: Path | None = None

    def where(self, loc: tuple[str | int, ...]) -> str:
        """``file:line`` of the deepest part of ``loc`` present in the file."""
        return f"{self.display}:{self.line_of(loc) or 1}"

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        from component.bounded_yaml import line_for

        return line_for(self.lines, loc)


def discover(root: Path) -> list[tuple[Path, type[BaseModel]]]:
    """Every YAML file under the four spec folders, sorted for stable output."""
    found: list[tuple[Path, type[BaseModel]]] = []
    for folder, model in FOLDERS.items():
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted([*base.rglob("*.yaml"), *base.rglob("*.yml")]):
            found.append((path, model))
    return found


def load_file(path: Path, model: type[M], root: Path | None = None) -> Loaded[M]:
    """Parse and validate one file; raises SpecError listing every problem with file:line.

    YAML is imported here, not with the module: commands that get the registry from the
    start-up cache (``component.spec.cache``) never parse a spec.
    """
    import yaml

    from component.bounded_yaml import index_lines, line_for

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    shown = _display(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([f"{shown}: cannot read file: {exc}"]) from None
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark is not None else shown
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([f"{where}: YAML syntax error: {problem}"]) from None
    if not isinstance(data, dict):
        raise SpecError([f"{shown}:1: expected a mapping at the top level"])
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        index_lines(node, (), lines)
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = line_for(lines, loc)
            field = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{shown}:{line or 1}: {field}: {err['msg']}")
        raise SpecError(problems) from None
    return Loaded(spec=spec, path=path, display=shown, lines=lines, root=root)


def load_component(root: Path) -> ComponentSpec:
    path = root / "component.yaml"
    return load_file(path, ComponentSpec, root).spec


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)
