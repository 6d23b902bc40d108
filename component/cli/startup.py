"""Start-up without the cyclic garbage collector: ``setting_up()`` around a command's set-up.

A command's set-up (its parser, the modules it imports, the settings, the registry, the
sandbox) makes a few hundred thousand objects that all live until the process ends. The
collector cannot free any of them, yet it walks them again and again as they pile up: about a
tenth of ``xero-wa run --sandbox``'s CPU time. ``setting_up()`` pauses it for the set-up and,
when the process is the command (the ``xero-wa`` script), then freezes what was made, as
``serve`` does (``gc.freeze``): later collections skip it, so a long command pays nothing for
it either. Objects that are already garbage when frozen are only freed when the process ends.

A caller that runs commands in its own process again and again (tests calling ``main(argv)``)
is not the command's process: there the collector is only paused, so nothing of the caller's
is frozen and kept for good.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Whether this process ends with the command: set by ``component.cli.main`` when run as the
#: ``xero-wa`` script (no ``argv`` given), the only case where freezing set-up is right.
_owns_process = False


def own_process(owned: bool) -> None:
    """Record whether this process is the command's own (``main`` decides, once per call)."""
    global _owns_process
    _owns_process = owned


@contextmanager
def setting_up() -> Iterator[None]:
    """Pause the collector while the block builds long-lived state; freeze that state after it
    when the process is the command's. The collector's earlier state is restored either way."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _owns_process:
            gc.freeze()
        if was_enabled:
            gc.enable()
