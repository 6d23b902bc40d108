"""The registry: cross-file checks, lookups with suggestions, the implied connection input."""

from __future__ import annotations

from pathlib import Path

import pytest

from component.errors import SpecError, UnknownKeyError
from component.registry import Registry

COMPONENT = "key: demo\nlabel: Demo\ndescription: A demo\nversion: 0.0.1\n"
CONNECTION = """key: demoToken
label: Demo token
family: xero
inputs:
  - {key: accessToken, label: Token, type: password, required: true}
handler: demo_token:open_connection
"""
HANDLER = "async def open_connection(ctx, values):\n    return None\n\nasync def run(ctx):\n    return 1\n"


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {
        "component.yaml": COMPONENT,
        "connections/demo_token.yaml": CONNECTION,
        "connections/demo_token.py": HANDLER,
    }
    for name, text in {**base, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def load_problems(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        Registry.load(root)
    return info.value.problems


def test_placeholders_must_name_inputs(tmp_path: Path) -> None:
    action = """key: getThing
label: Get
connection: xero
inputs:
  - {key: thingId, label: Thing}
request:
  method: POST
  path: /Things/{thingID}
  body:
    Name: $nmae
safety: write
idempotent: false
"""
    found = load_problems(tree(tmp_path, {"actions/get_thing.yaml": action}))
    assert found == [
        "actions/get_thing.yaml:8: request.path: placeholder 'thingID' names no input; did you mean 'thingId'?",
        "actions/get_thing.yaml:9: request.body: placeholder 'nmae' names no input",
    ]


def test_missing_handler_file_and_function(tmp_path: Path) -> None:
    files = {
        "actions/a.yaml": "key: a\nlabel: A\nhandler: nowhere:run\nsafety: write\nidempotent: false\n",
        "actions/b.yaml": "key: b\nlabel: B\nhandler: b_impl:missing\nsafety: write\nidempotent: false\n",
        "actions/b_impl.py": "async def run(ctx):\n    return 1\n",
    }
    found = load_problems(tree(tmp_path, files))
    assert found == [
        "actions/a.yaml:3: handler file nowhere.py not found beside a.yaml",
        "actions/b.yaml:3: handler function 'missing' not defined in b_impl.py",
    ]


def test_unknown_data_source_family_and_duplicate_key(tmp_path: Path) -> None:
    files = {
        "actions/a.yaml": (
            "key: a\nlabel: A\nconnection: whatsapp\nhandler: impl:run\n"
            "inputs:\n  - {key: id, label: Id, dataSource: selectThng}\n"
            "safety: write\nidempotent: false\n"
        ),
        "actions/impl.py": HANDLER,
        "actions/z_dup.yaml": "key: a\nlabel: A again\nhandler: impl:run\nsafety: write\nidempotent: false\n",
        "datasources/select_thing.yaml": "key: selectThing\nlabel: Thing\nhandler: impl:run\n",
        "datasources/impl.py": HANDLER,
    }
    found = load_problems(tree(tmp_path, files))
    assert "actions/z_dup.yaml:1: key 'a' is already used by actions/a.yaml" in found
    assert "actions/a.yaml:3: no connection of family 'whatsapp'" in found
    assert (
        "actions/a.yaml:6: inputs.0.dataSource: no data source 'selectThng'; did you mean 'selectThing'?"
        in found
    )


def test_lookup_suggests_close_keys(registry: Registry) -> None:
    with pytest.raises(UnknownKeyError) as info:
        registry.action("listInvoice")
    assert info.value.details["suggestions"][0] == "listInvoices"
    assert "did you mean listInvoices" in str(info.value)


def test_implied_connection_input_matches_the_reference(registry: Registry) -> None:
    spec = registry.action("getInvoice").spec
    conn = registry.connection_input(spec)
    assert conn is not None
    assert (conn.key, conn.label, conn.type, conn.required) == (
        "xeroConnection",
        "Connection",
        "connection",
        True,
    )
    assert "xeroToken" in (conn.connections or [])
    assert [i.key for i in registry.all_inputs(spec)] == ["invoiceId", "xeroConnection"]


def test_the_shipped_specs_load(registry: Registry) -> None:
    assert {"listConnections", "listInvoices", "getInvoice"} <= set(registry.actions)
    assert "xeroToken" in registry.connections


def test_every_action_must_declare_its_safety(tmp_path: Path) -> None:
    """Issue 16 item 2: lint requires ``safety`` and ``idempotent`` on every action, and a read
    must be idempotent and a GET."""
    files = {
        "actions/a.yaml": "key: a\nlabel: A\nhandler: impl:run\n",
        "actions/b.yaml": (
            "key: b\nlabel: B\nsafety: read\nidempotent: false\nhandler: impl:run\n"
        ),
        "actions/c.yaml": (
            "key: c\nlabel: C\nsafety: read\nidempotent: true\n"
            "request: {method: POST, path: /Things}\n"
        ),
        "actions/d.yaml": "key: d\nlabel: D\nsafety: risky\nidempotent: true\nhandler: impl:run\n",
        "actions/impl.py": HANDLER,
    }
    found = load_problems(tree(tmp_path, files))
    assert "actions/a.yaml:1: safety: Field required" in found
    assert "actions/a.yaml:1: idempotent: Field required" in found
    assert any(
        p.startswith("actions/b.yaml:1: (top level): Value error, a read action is idempotent")
        for p in found
    ), found
    assert any(
        "a POST request is not a read" in p for p in found if p.startswith("actions/c.yaml")
    ), found
    assert any(
        p.startswith("actions/d.yaml:3: safety: Input should be 'read', 'write' or 'destructive'")
        for p in found
    ), found
