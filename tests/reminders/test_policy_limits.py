"""A reminder policy from any source is read safely: bad values name their line, YAML that would
expand or nest without bound is refused before it is built, and no parse runs on an event loop."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from component import bounded_yaml, errors
from component.registry import Registry
from component.reminders.policy import parse_policy

STAGES = "stages:\n  - key: overdue_7\n    days: 7\n    template: payment_reminder\n"
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "stages: *i\n"
)


def refused(text: str, shown: str = "p.yaml") -> list[tuple[str, str]]:
    with pytest.raises(errors.InputError) as caught:
        parse_policy(text, shown)
    return [(p.field, p.reason) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            "holidays:\n  - 2026-12-25\n  - 2026-02-30\n",
            ("p.yaml:7", "'2026-02-30' is not a real date or time (day is out of range for month)"),
        ),
        (
            "stopAfterDays: " + "9" * 5000 + "\n",
            ("p.yaml:5", "a whole number of 5000 digits is too large (at most 100)"),
        ),
        (
            "locale: xx_QQ\n",
            (
                "p.yaml:5: locale",
                "Value error, unknown locale 'xx_QQ': use a language and country such as "
                "en_IN, hi_IN or de_DE",
            ),
        ),
    ],
)
def test_values_python_cannot_hold_are_errors_at_their_line(
    extra: str, problem: tuple[str, str]
) -> None:
    assert refused(STAGES + extra) == [problem]


def test_a_locale_may_be_written_with_a_hyphen() -> None:
    assert parse_policy(STAGES + "locale: hi-IN\n").locale == "hi_IN"


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    assert refused(BOMB) == [("p.yaml:5", "expands to more than 10,000 values (aliases included)")]


def test_ordinary_aliases_still_work() -> None:
    text = (
        "stages:\n"
        "  - &first {key: first, days: 1, template: payment_reminder, language: en_GB}\n"
        "  - {<<: *first, key: second, days: 7}\n"
    )
    policy = parse_policy(text)
    assert [(s.key, s.language) for s in policy.stages] == [("first", "en_GB"), ("second", "en_GB")]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: " + "[" * 40 + "]" * 40 + "\n", ("p.yaml:1", "is nested deeper than 32 levels")),
        ("a: &a [1, *a]\n", ("p.yaml:1", "*a refers to a value that contains it")),
        (STAGES + "#" * 70_000, ("p.yaml", "is 70,070 characters long; at most 65,536 are read")),
    ],
)
def test_shapes_without_bound_are_refused(text: str, problem: tuple[str, str]) -> None:
    assert refused(text) == [problem]


def test_a_policy_file_with_an_impossible_holiday_is_exit_2_naming_file_and_line(
    cli: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "reminders.yaml"
    policy.write_text(STAGES + "holidays: [2026-02-30]\n", encoding="utf-8")
    outcome = cli("remind", "--sandbox", "--policy", str(policy))
    assert outcome.code == 2
    error = json.loads(outcome.err)["error"]
    assert error["details"]["fields"] == [
        {
            "field": f"{policy}:5",
            "reason": "'2026-02-30' is not a real date or time (day is out of range for month)",
        }
    ]


def test_a_policy_file_with_an_unknown_locale_is_exit_2_naming_file_and_line(
    cli: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "reminders.yaml"
    policy.write_text(STAGES + "locale: english\n", encoding="utf-8")
    outcome = cli("remind", "--sandbox", "--policy", str(policy))
    assert outcome.code == 2
    (field,) = json.loads(outcome.err)["error"]["details"]["fields"]
    assert field["field"] == f"{policy}:5: locale"
    assert "unknown locale 'english'" in field["reason"]


def test_loading_is_linear_in_the_text_whatever_its_aliases() -> None:
    """The limit is checked on parser events: the bomb's nodes are never built."""
    built: list[int] = []
    original = bounded_yaml._Loader.construct_document

    def counting(self: Any, node: Any) -> Any:
        built.append(1)
        return original(self, node)

    bounded_yaml._Loader.construct_document = counting  # type: ignore[method-assign]
    try:
        with pytest.raises(bounded_yaml.YamlProblem):
            bounded_yaml.load(BOMB)
    finally:
        bounded_yaml._Loader.construct_document = original  # type: ignore[method-assign]
    assert built == []


def test_the_policy_input_of_the_action_is_parsed_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch, registry: Registry
) -> None:
    handler = registry.handler(registry.action("sendPaymentReminders"))
    threads: list[int] = []
    original = bounded_yaml.load

    def recording(text: str) -> bounded_yaml.Document:
        threads.append(threading.get_ident())
        return original(text)

    monkeypatch.setattr(bounded_yaml, "load", recording)

    class Ctx:
        inputs: ClassVar[dict[str, str]] = {"policy": BOMB}

    async def run() -> int:
        with pytest.raises(errors.InputError, match="expands to more than"):
            await handler(Ctx())
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert threads
    assert loop_thread not in threads
