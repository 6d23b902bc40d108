"""Spec loading: a broken spec names its file, line and field; good specs load as models."""

from __future__ import annotations

from pathlib import Path

import pytest

from component.errors import SpecError
from component.spec.loader import load_file
from component.spec.models import ActionSpec


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actions" / "broken.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_file(write(tmp_path, text), ActionSpec, tmp_path)
    return info.value.problems


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = "key: getThing\nlabel: Get\nrequest:\n  method: GET\n  path: [unclosed\n"
    (problem,) = problems(tmp_path, text)
    assert problem.startswith("actions/broken.yaml:6: YAML syntax error")


def test_unknown_field_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = (
        "key: getThing\nlabel: Get\nrequest:\n  method: GET\n  path: /Things\n"
        "inputs:\n  - key: id\n    label: Id\n    requird: true\n"
        "safety: read\nidempotent: true\n"
    )
    assert problems(tmp_path, text) == [
        "actions/broken.yaml:9: inputs.0.requird: Extra inputs are not permitted"
    ]


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    text = (
        "key: Bad-Key\nlabel: Get\nrequest:\n  method: FETCH\n  path: /Things\n"
        "inputs:\n  - key: id\n    label: Id\n    type: money\n"
        "safety: read\nidempotent: true\n"
    )
    found = problems(tmp_path, text)
    assert found[0].startswith("actions/broken.yaml:1: key: String should match pattern")
    assert found[1].startswith("actions/broken.yaml:9: inputs.0.type: Input should be")
    assert found[2].startswith("actions/broken.yaml:4: request.method: Input should be")


def test_request_and_handler_are_exclusive(tmp_path: Path) -> None:
    text = (
        "key: getThing\nlabel: Get\nhandler: get_thing:run\nrequest:\n  method: GET\n  path: /Things\n"
        "safety: read\nidempotent: true\n"
    )
    (problem,) = problems(tmp_path, text)
    assert "exactly one of 'request' or 'handler'" in problem


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- a\n- b\n") == [
        "actions/broken.yaml:1: expected a mapping at the top level"
    ]


def test_invalid_constraints_are_rejected(tmp_path: Path) -> None:
    text = (
        "key: getThing\nlabel: Get\nrequest:\n  method: GET\n  path: /Things\n"
        "inputs:\n  - key: id\n    label: Id\n    constraints:\n      minLength: -1\n"
        "safety: read\nidempotent: true\n"
    )
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(
        "actions/broken.yaml:9: inputs.0.constraints: Value error, not a valid JSON Schema"
    )


def test_valid_spec_loads_with_camel_case_fields(tmp_path: Path) -> None:
    text = (
        "key: getThing\nlabel: Get Thing\nconnection: xero\nrequest:\n  method: GET\n  path: /Things/{id}\n"
        "inputs:\n  - key: id\n    label: Id\n    required: true\n    dataSource: selectThing\n"
        "safety: read\nidempotent: true\n"
    )
    loaded = load_file(write(tmp_path, text), ActionSpec, tmp_path)
    assert loaded.spec.inputs[0].data_source == "selectThing"
    assert loaded.display == "actions/broken.yaml"
    assert loaded.where(("inputs", 0, "dataSource")) == "actions/broken.yaml:11"
