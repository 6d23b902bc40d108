"""The registry: every connection, action, trigger and data source, loaded and cross-checked.

Loading validates each file against its model, then checks what no single file can: unique keys,
handlers that exist, placeholders that name inputs, picklists that name real data sources,
connection families that exist. All problems are reported together, each with file and line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from component.errors import SpecError, UnknownKeyError
from component.spec import handlers
from component.spec.loader import Loaded, discover, load_component, load_file
from component.spec.models import (
    ActionSpec,
    ComponentSpec,
    ConnectionSpec,
    DataSourceSpec,
    InputSpec,
    TriggerSpec,
)
from component.spec.root import spec_path, spec_root
from component.spec.templates import references, template_problems

M = TypeVar("M", bound=BaseModel)

CONNECTION_INPUT_COMMENT = "The connection to use."


@dataclass
class Registry:
    root: Path
    component: ComponentSpec
    actions: dict[str, Loaded[ActionSpec]] = field(default_factory=dict)
    triggers: dict[str, Loaded[TriggerSpec]] = field(default_factory=dict)
    datasources: dict[str, Loaded[DataSourceSpec]] = field(default_factory=dict)
    connections: dict[str, Loaded[ConnectionSpec]] = field(default_factory=dict)
    #: The implied connection input of each family (see ``connection_input``), made once at
    #: load: the start-up cache then holds them, so a command validates no spec model at all.
    _implied: dict[str, InputSpec] = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, root: Path | None = None, extra: Iterable[Path] | None = None) -> Registry:
        """Load and check every spec under ``root``, then under each ``extra`` folder (default
        ``XERO_WA_SPEC_PATH``); one SpecError lists all problems.

        A spec in an extra folder adds to the bundled ones, or replaces the one with its key
        (a later folder wins); two files with one key in the same folder are an error.
        """
        root = (root or spec_root()).resolve()
        problems: list[str] = []
        try:
            component = load_component(root)
        except SpecError as exc:
            raise SpecError(exc.problems) from None
        registry = cls(root=root, component=component)
        folders = [root]
        for folder in spec_path() if extra is None else extra:
            if not folder.is_dir():
                problems.append(f"XERO_WA_SPEC_PATH: {folder} is not a folder")
                continue
            folders.append(folder.resolve())
        for folder in folders:
            problems.extend(
                registry._load_folder(folder, shown_from=root if folder == root else folder.parent)
            )
        problems.extend(registry._cross_check())
        if problems:
            raise SpecError(problems)
        for family in sorted({c.spec.family for c in registry.connections.values()}):
            registry._implied_input(family)
        return registry

    @classmethod
    def load_cached(cls) -> Registry:
        """``load()`` of the bundled specs and ``XERO_WA_SPEC_PATH``, from the start-up cache
        when no spec or handler file changed (``component.spec.cache``)."""
        from component.spec.cache import cached_registry

        return cached_registry(cls.load)

    def _load_folder(self, folder: Path, shown_from: Path) -> list[str]:
        """Every spec file of one folder on the search path; problems as ``file:line: ...``."""
        tables: dict[type[BaseModel], dict[str, Any]] = {
            ActionSpec: self.actions,
            TriggerSpec: self.triggers,
            DataSourceSpec: self.datasources,
            ConnectionSpec: self.connections,
        }
        problems: list[str] = []
        seen: set[tuple[type[BaseModel], str]] = set()
        for path, model in discover(folder):
            try:
                loaded = load_file(path, model, shown_from)
            except SpecError as exc:
                problems.extend(exc.problems)
                continue
            loaded = replace(loaded, root=folder)
            table = tables[model]
            key = loaded.spec.key  # type: ignore[attr-defined]
            if (model, key) in seen:
                other = table[key].display
                problems.append(f"{loaded.display}:1: key {key!r} is already used by {other}")
                continue
            seen.add((model, key))
            table[key] = loaded
        return problems

    def _cross_check(self) -> list[str]:
        problems: list[str] = []
        families = {c.spec.family for c in self.connections.values()}
        invocables: list[Loaded[Any]] = [
            *self.actions.values(),
            *self.triggers.values(),
            *self.datasources.values(),
        ]
        for loaded in invocables:
            spec = loaded.spec
            if spec.connection is not None and spec.connection not in families:
                problems.append(
                    f"{loaded.where(('connection',))}: no connection of family {spec.connection!r}"
                )
            problems.extend(self._check_inputs(loaded, spec.inputs))
            ref = getattr(spec, "handler", None)
            if ref is not None:
                problem = handlers.check(loaded.path, ref)
                if problem:
                    problems.append(f"{loaded.where(('handler',))}: {problem}")
        for loaded_action in self.actions.values():
            problems.extend(self._check_request(loaded_action))
        for loaded_conn in self.connections.values():
            problems.extend(self._check_inputs(loaded_conn, loaded_conn.spec.inputs))
            problem = handlers.check(loaded_conn.path, loaded_conn.spec.handler)
            if problem:
                problems.append(f"{loaded_conn.where(('handler',))}: {problem}")
        return problems

    def _check_inputs(self, loaded: Loaded[Any], inputs: list[InputSpec]) -> list[str]:
        problems = []
        for index, spec in enumerate(inputs):
            if spec.data_source is not None and spec.data_source not in self.datasources:
                near = _suggest(spec.data_source, self.datasources)
                problems.append(
                    f"{loaded.where(('inputs', index, 'dataSource'))}: inputs.{index}.dataSource: "
                    f"no data source {spec.data_source!r}{_hint(near)}"
                )
            for conn_key in spec.connections or []:
                if conn_key not in self.connections:
                    problems.append(
                        f"{loaded.where(('inputs', index, 'connections'))}: inputs.{index}.connections: "
                        f"no connection {conn_key!r}"
                    )
        return problems

    def _check_request(self, loaded: Loaded[ActionSpec]) -> list[str]:
        request = loaded.spec.request
        if request is None:
            return []
        keys = {i.key for i in loaded.spec.inputs}
        problems = []
        parts: list[tuple[str, Iterable[str]]] = [
            ("path", request.path_placeholders()),
            ("query", references(request.query)),
            ("headers", references(request.headers)),
            ("body", references(request.body)),
        ]
        for part, refs in parts:
            for ref in refs:
                if ref not in keys:
                    problems.append(
                        f"{loaded.where(('request', part))}: request.{part}: placeholder "
                        f"{ref!r} names no input{_hint(_suggest(ref, keys))}"
                    )
        for part in ("query", "headers", "body"):
            for problem in template_problems(getattr(request, part)):
                problems.append(f"{loaded.where(('request', part))}: request.{part}: {problem}")
        if request.body_input is not None:
            spec = loaded.spec.input(request.body_input)
            if spec is None or spec.type != "data":
                problems.append(
                    f"{loaded.where(('request', 'bodyInput'))}: request.bodyInput: "
                    f"{request.body_input!r} must name a data input"
                )
        if request.pagination is not None:
            for attr, yaml_name in (
                ("page_input", "pageInput"),
                ("fetch_all_input", "fetchAllInput"),
            ):
                name = getattr(request.pagination, attr)
                if name is not None and name not in keys:
                    problems.append(
                        f"{loaded.where(('request', 'pagination', yaml_name))}: "
                        f"request.pagination.{yaml_name}: {name!r} names no input"
                    )
        return problems

    # ----------------------------------------------------------------- lookups
    def action(self, key: str) -> Loaded[ActionSpec]:
        return _lookup(self.actions, key, "action")

    def trigger(self, key: str) -> Loaded[TriggerSpec]:
        return _lookup(self.triggers, key, "trigger")

    def datasource(self, key: str) -> Loaded[DataSourceSpec]:
        return _lookup(self.datasources, key, "data source")

    def connection(self, key: str) -> Loaded[ConnectionSpec]:
        return _lookup(self.connections, key, "connection type")

    def family_connections(self, family: str) -> list[str]:
        return [k for k, c in self.connections.items() if c.spec.family == family]

    def connection_input(self, spec: ActionSpec | TriggerSpec | DataSourceSpec) -> InputSpec | None:
        """The input that carries the connection: declared, or implied by ``connection: family``.

        The implied one is ``xeroConnection`` / ``whatsappConnection``, as in the reference
        component, so forty specs need not repeat the same four lines.
        """
        declared = [i for i in spec.inputs if i.type == "connection"]
        if spec.connection is None:
            return declared[0] if declared else None
        own = next((i for i in declared if self._input_family(i) in (None, spec.connection)), None)
        if own is not None:
            return own
        return self._implied_input(spec.connection)

    def _implied_input(self, family: str) -> InputSpec:
        """``<family>Connection``, made on first use (and at load, for the start-up cache):
        validating it was the one spec model a cached command still built (about a
        millisecond). Kept, as the registry's connections do not change once loaded."""
        implied = self._implied.get(family)
        if implied is None:
            implied = self._implied[family] = InputSpec.model_validate(
                {
                    "key": f"{family}Connection",
                    "label": "Connection",
                    "type": "connection",
                    "required": True,
                    "comments": CONNECTION_INPUT_COMMENT,
                    "connections": self.family_connections(family),
                }
            )
        return implied

    def extra_connection_inputs(
        self, spec: ActionSpec | TriggerSpec | DataSourceSpec
    ) -> list[tuple[InputSpec, str]]:
        """Declared connection inputs of another family, with that family (e.g. the reminder
        job's WhatsApp connection beside its Xero one); the executor opens each into a session.
        """
        main = self.connection_input(spec)
        out = []
        for spec_input in spec.inputs:
            family = self._input_family(spec_input)
            if spec_input.type == "connection" and spec_input is not main and family:
                out.append((spec_input, family))
        return out

    def _input_family(self, spec_input: InputSpec) -> str | None:
        """The family of the connections a connection input accepts (None: not restricted)."""
        keys = spec_input.connections or []
        families = {self.connections[k].spec.family for k in keys if k in self.connections}
        return families.pop() if len(families) == 1 else None

    def all_inputs(self, spec: ActionSpec | TriggerSpec | DataSourceSpec) -> list[InputSpec]:
        """Inputs as a form shows them: declared ones, then the implied connection input."""
        conn = self.connection_input(spec)
        if conn is None or conn in spec.inputs:
            return list(spec.inputs)
        return [*spec.inputs, conn]

    def handler(self, loaded: Loaded[Any]) -> Callable[..., Any]:
        root = loaded.root or self.root
        if root == self.root:
            return handlers.load(loaded.path, loaded.spec.handler, root)
        tag = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        namespace = f"{handlers.MODULE_PREFIX}_path_{tag}"
        return handlers.load(loaded.path, loaded.spec.handler, root, namespace)


def _lookup(table: dict[str, Loaded[M]], key: str, kind: str) -> Loaded[M]:
    try:
        return table[key]
    except KeyError:
        raise UnknownKeyError(kind, key, _suggest(key, table)) from None


def _suggest(key: str, choices: Iterable[str]) -> list[str]:
    import difflib  # only for a mistake: kept out of every command's start-up

    pool = list(choices)
    close = difflib.get_close_matches(key, pool, n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [
            lowered[c]
            for c in difflib.get_close_matches(key.lower(), list(lowered), n=3, cutoff=0.5)
        ]
    return close


def _hint(suggestions: list[str]) -> str:
    return f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
