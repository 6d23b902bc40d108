"""Finds the Python handler that sits beside a spec file.

``handler: list_connections:run`` in ``actions/xero/list_connections.yaml`` names the function
``run`` in ``actions/xero/list_connections.py``. Handlers are loaded from their file, under a
private module name, so the spec folders need not be installed as top-level packages.

Start-up only checks (with ``ast``, importing nothing) that the file and function exist, which
keeps ``xero-wa`` fast; the module is imported the first time the handler runs.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

MODULE_PREFIX = "xero_wa_handlers"


def handler_file(spec_path: Path, ref: str) -> Path:
    module, _, _ = ref.partition(":")
    return spec_path.parent / f"{module}.py"


def check(spec_path: Path, ref: str) -> str | None:
    """None when ``ref`` names a top-level (async) function in the sibling file, else why not."""
    file = handler_file(spec_path, ref)
    name = ref.partition(":")[2]
    if not file.is_file():
        return f"handler file {file.name} not found beside {spec_path.name}"
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    except SyntaxError as exc:
        return f"handler file {file.name} has a syntax error at line {exc.lineno}: {exc.msg}"
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return None
    return f"handler function {name!r} not defined in {file.name}"


@cache
def load(
    spec_path: Path, ref: str, root: Path, namespace: str = MODULE_PREFIX
) -> Callable[..., Any]:
    """Import the handler module (once) and return the function.

    ``namespace`` keeps the modules of different spec folders apart (two folders may both hold
    ``actions/custom/run.py``).
    """
    file = handler_file(spec_path, ref)
    name = ref.partition(":")[2]
    relative = file.relative_to(root).with_suffix("")
    module_name = ".".join((namespace, *relative.parts))
    module = sys.modules.get(module_name)
    if module is None:
        loader_spec = importlib.util.spec_from_file_location(module_name, file)
        if loader_spec is None or loader_spec.loader is None:
            raise ImportError(f"cannot load handler module from {file}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
    function = getattr(module, name)
    if not callable(function):
        raise TypeError(f"{module_name}.{name} is not callable")
    return function  # type: ignore[no-any-return]
