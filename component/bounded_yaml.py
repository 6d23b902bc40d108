"""YAML written by users (reminder policies), read within limits and with errors at their line.

A policy arrives from a file, the CLI, the JSON API and the web editor, so reading it must be safe
on any text. ``load`` refuses, naming the line:

- text longer than ``MAX_CHARS``;
- nesting deeper than ``MAX_DEPTH``: the composer recurses once per level;
- a document holding more than ``MAX_NODES`` nodes once its aliases are expanded. Aliases are fine
  (``*defaults``), but a 1 KB "billion laughs" expands to 10^9 nodes: every walk over the data
  after parsing (line index, validation) would take minutes and gigabytes; an alias inside the
  value it names (``&a [*a]``) would never end;
- scalars YAML resolves to values Python cannot hold: ``2026-02-30`` (not a day of the calendar),
  an integer of more than ``MAX_INT_DIGITS`` digits.

The size, depth and expanded count come from one pass over the parser's events, before anything
is composed or built, so the cost is linear in the text whatever it holds. Still, parsing takes
milliseconds: code on an event loop calls ``load`` in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

MAX_CHARS = 65_536
MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_INT_DIGITS = 100

if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:  # libyaml's parser when installed (it is in PyYAML's wheels), else the pure-Python one
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path = tuple[str | int, ...]


class YamlProblem(ValueError):
    """Text that is not YAML or is outside the limits; ``line`` is 1-based when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Document:
    """The built value, and the line each path (``("stages", 0, "days")``) starts on."""

    data: Any
    lines: dict[Path, int]


def load(text: str) -> Document:
    """Parse one YAML document within the limits (an empty document is ``None``)."""
    if len(text) > MAX_CHARS:
        raise YamlProblem(f"is {len(text):,} characters long; at most {MAX_CHARS:,} are read")
    _check_shape(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(f"YAML syntax error: {problem}", _line(mark)) from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        index_lines(node, (), lines)
    return Document(data, lines)


def _check_shape(text: str) -> None:
    """Depth and expanded node count from the event stream, before composing anything.

    Each open collection keeps a running count of the nodes under it; an alias counts as many
    nodes as its anchor expanded to, so the count is exact without expanding anything.
    """
    expanded: dict[str, int] = {}
    open_: list[tuple[int, str | None]] = [(0, None)]  # (nodes so far, anchor) per open collection
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_) > MAX_DEPTH:
                    raise YamlProblem(
                        f"is nested deeper than {MAX_DEPTH} levels", _line(event.start_mark)
                    )
                open_.append((0, event.anchor))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                count, anchor = open_.pop()
                size = count + 1
            elif isinstance(event, yaml.ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                if any(event.anchor == anchor for _, anchor in open_):
                    raise YamlProblem(
                        f"*{event.anchor} refers to a value that contains it",
                        _line(event.start_mark),
                    )
                size, anchor = expanded.get(event.anchor or "", 1), None
            else:
                continue
            if anchor is not None:
                expanded[anchor] = size
            total = open_[-1][0] + size
            if total > MAX_NODES:
                raise YamlProblem(
                    f"expands to more than {MAX_NODES:,} values (aliases included)",
                    _line(event.start_mark),
                )
            open_[-1] = (total, open_[-1][1])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(f"YAML syntax error: {problem}", _line(mark)) from None


class _Loader(_Base):
    """SafeLoader whose integers and dates fail with their line instead of a bare ValueError."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise YamlProblem(
                f"a whole number of {digits} digits is too large (at most {MAX_INT_DIGITS})",
                _line(node.start_mark),
            )
        value: int = super().construct_yaml_int(node)
        return value

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise YamlProblem(
                f"{node.value!r} is not a real date or time ({exc})", _line(node.start_mark)
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def index_lines(node: yaml.Node, prefix: Path, out: dict[Path, int]) -> None:
    """Record the line of every path under ``node`` (keys at the line of the key)."""
    out[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index_lines(value_node, (*prefix, key), out)
            out[(*prefix, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            index_lines(item, (*prefix, index), out)


def line_for(lines: dict[Path, int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``loc`` (a pydantic error location) that is in the file."""
    # Pydantic may insert model names into union locations; keep only real path parts.
    keys = {part for key in lines for part in key}
    parts = tuple(p for p in loc if isinstance(p, int) or p in keys)
    for end in range(len(parts), -1, -1):
        line = lines.get(parts[:end])
        if line is not None:
            return line
    return None
