"""The event loop of the long-running commands: uvloop where it is installed, asyncio's own
elsewhere.

``serve``, ``worker``, ``remind`` and ``sandbox serve`` spend much of their CPU on the event
loop's own work (sockets, timers, callbacks); uvloop does that work in C. Measured with
``bench/remind.py``, limits removed, two runs of each one after the other: the job's CPU a
message 1.77 / 1.90 ms on uvloop against 2.11 / 1.96 ms on asyncio's loop (at the 80/s cap, where
the job mostly waits, no difference); ``bench/webhooks.py``: about 10% less CPU a delivery at
concurrency 1 and 4. It is a dependency only where it is built (not on Windows), so every
command also runs on asyncio's loop, and the tests run on the loop pytest gives them.

One-off commands (``run``, ``actions``, ``connect``...) keep ``asyncio.run``: importing uvloop
costs about 40 ms, more than such a command spends on its loop, and start-up is what they are
measured by (``bench/startup.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop when it is installed."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's ``new_event_loop``, or None (asyncio's default loop) where it is missing."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
