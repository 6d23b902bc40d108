"""The collector of a command's process (component.collector): start-up without it gives the
same results, a process that calls ``main(argv)`` keeps its collector as it was and nothing of
it frozen, and the reminder job's sends start settled."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from component import collector


class _Node:
    """Garbage in a reference cycle (only the cyclic collector frees it), weakly referable."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref
        ref.append(self)


RUN = ("run", "getInvoice", "--sandbox", "--input", "invoiceId=INV-0001")
SCRIPT = Path(sys.executable).parent / "xero-wa"


def _same_each_call(result: dict[str, Any]) -> dict[str, Any]:
    """The answer without what differs on every call: the response's id and time, and the
    demo contact's update time (seeded relative to now)."""
    data = dict(result["data"])
    data.pop("Id")
    data.pop("DateTimeUTC")
    for invoice in data["Invoices"]:
        invoice["Contact"].pop("UpdatedDateUTC")
    return data


@pytest.fixture
def own_process_reset() -> Iterator[None]:
    yield
    collector.own_process(False)
    gc.unfreeze()  # what a test froze goes back to the collector
    gc.enable()


@pytest.mark.skipif(not SCRIPT.exists(), reason="the xero-wa script is not installed here")
def test_the_script_prints_what_main_prints(cli: Any, tmp_path: Path) -> None:
    """As a whole process (set-up frozen), cold and with the start-up caches warm, the script
    answers exactly what ``main(argv)`` does in-process."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XERO_WA_HOME": str(tmp_path / "script-home"),
        "XDG_CACHE_HOME": str(tmp_path / "script-cache"),
    }
    answers = []
    for _ in range(2):  # the first run builds the registry cache, the second uses it
        done = subprocess.run(
            [str(SCRIPT), *RUN], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        answers.append(_same_each_call(json.loads(done.stdout)))
    in_process = cli(*RUN)
    assert in_process.code == 0, in_process.err
    assert answers[0] == answers[1] == _same_each_call(in_process.json)
    assert answers[0]["Invoices"][0]["InvoiceNumber"] == "INV-0001"


def test_main_called_in_process_freezes_nothing_and_keeps_the_collector_on(cli: Any) -> None:
    frozen = gc.get_freeze_count()
    assert cli(*RUN).code == 0
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()


def test_a_callers_paused_collector_stays_paused(cli: Any) -> None:
    gc.disable()
    try:
        assert cli(*RUN).code == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


def _failing_set_up() -> None:
    with collector.setting_up():
        assert not gc.isenabled()
        raise RuntimeError("set-up failed")


def test_setting_up_pauses_the_collector_and_restores_it_on_failure() -> None:
    with pytest.raises(RuntimeError, match="set-up failed"):
        _failing_set_up()
    assert gc.isenabled()


def test_the_commands_own_process_freezes_its_set_up(own_process_reset: None) -> None:
    collector.own_process(True)
    before = gc.get_freeze_count()
    with collector.setting_up():
        made = [[index] for index in range(1000)]  # lives as long as the command
    assert gc.get_freeze_count() >= before + len(made)
    assert gc.isenabled()


def test_settle_collects_then_freezes_once_in_the_commands_own_process(
    own_process_reset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the reminder job's sends: garbage now is freed first, the rest frozen; a command
    that runs the job again in its own process (serve's scheduler) freezes only the first time."""
    monkeypatch.setattr(collector, "_settled", False)
    collector.own_process(True)
    gc.disable()  # so that only settle() can free the cycle (the fixture enables it again)
    cycle: list[Any] = []
    cycle.append(cycle)
    garbage = weakref.ref(_Node(cycle))
    del cycle
    kept = [[index] for index in range(1000)]
    before = gc.get_freeze_count()

    collector.settle()
    first = gc.get_freeze_count()
    collector.settle()

    assert garbage() is None  # collected, not frozen
    assert first >= before + len(kept)
    assert gc.get_freeze_count() == first


def test_settle_freezes_nothing_for_a_caller_running_commands_in_its_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "_settled", False)
    frozen = gc.get_freeze_count()

    collector.settle()

    assert gc.get_freeze_count() == frozen
    assert not collector._settled
