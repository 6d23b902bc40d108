"""The long-running commands' event loop: uvloop where installed, asyncio's own otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from component import event_loop


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_runs_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop", reason="uvloop is not built for this platform")
    loop = event_loop.run(_running_loop())
    assert isinstance(loop, uvloop.Loop)
    assert loop.is_closed()


def test_runs_on_asyncios_own_loop_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what `import uvloop` sees on Windows
    assert event_loop.loop_factory() is None
    loop = event_loop.run(_running_loop())
    assert type(loop).__module__.startswith("asyncio.")
    assert loop.is_closed()


def test_hands_back_the_result_and_raises_what_the_coroutine_raised() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def fail() -> None:
        raise LookupError("no such invoice")

    assert event_loop.run(answer()) == 42
    with pytest.raises(LookupError, match="no such invoice"):
        event_loop.run(fail())
