"""The cyclic garbage collector of a command's own process: paused for set-up, kept off what
lives for the whole command.

``setting_up()`` around a command's set-up: its parser, the modules it imports, the settings,
the registry, the sandbox make a few hundred thousand objects that all live until the process
ends. The collector cannot free any of them, yet it walks them again and again as they pile up:
about a tenth of ``xero-wa run --sandbox``'s CPU time. So it is paused for the set-up and, when
the process is the command (the ``xero-wa`` script), what was made is then frozen, as ``serve``
does (``gc.freeze``): later collections skip it, so a long command pays nothing for it either.
Objects that are already garbage when frozen are only freed when the process ends.

``settle()`` before a phase whose timing matters: the reminder job's sends. What the job set up
on its way there (its clients, the store, the modules a send imports: 40-60k objects) lives
until it ends too, and a full collection during the sends walked all of it, 30-55 ms each on
this 2-core machine, 50-100 ms with the machine under load. The sends waiting on such a pause
then left together and reached WhatsApp as a burst: the densest second at the sandbox held the
cap (``bench/remind.py`` rate80 under load, 4 of 9 runs, one answered 130429). Collected once
and frozen before the sends, the full collections during them took 3-18 ms (8 of 8 runs).

A caller that runs commands in its own process again and again (tests calling ``main(argv)``)
is not the command's process: there the collector is only paused for set-up, and nothing is
collected or frozen on its behalf, so nothing of the caller's is kept for good. A command that
runs jobs again and again in its own process (``serve``'s scheduler, ``mcp``) settles once, at
its first job's sends: what is garbage then is collected first, and what is frozen with that
job and becomes garbage in a cycle later stays until the process ends, once, not per job.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Whether this process ends with the command: set by ``component.cli.main`` when run as the
#: ``xero-wa`` script (no ``argv`` given), the only case where freezing is right.
_owns_process = False
#: Whether ``settle`` froze already: once per process.
_settled = False


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


def settle() -> None:
    """Before a phase whose pauses matter, in the command's own process and once: free what is
    garbage now (one full collection, before the phase rather than during it), then freeze the
    rest."""
    global _settled
    if _owns_process and not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
