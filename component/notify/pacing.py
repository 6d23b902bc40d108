"""Turns per recipient for queued work: one busy customer never holds up the others.

WhatsApp takes about one message every 6 s per recipient (the pair rate; ``whatsapp.pacer``
spaces the sends). Ten new invoices for one customer would otherwise keep ten workers waiting
for a minute while every other customer's alert waits behind them. So before a send, queued
work asks for its recipient's turn: at most one turn away, it goes and waits in the pacer;
further away, the turn is kept for it (by its outbox key) and the work is deferred
(:class:`Deferred`: the worker gives the event back until then, the attempt not counted) and
frees its worker for other recipients. The ten alerts go out 6 s apart, the others at once.

Turns are per business number and per process, like the pacer they follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from component.clock import Clock
from component.whatsapp.pacer import WhatsAppPacer

if TYPE_CHECKING:
    from component.runtime import Runtime

_EPSILON = 1e-6


class Deferred(Exception):
    """Not now: come back in ``seconds`` (a turn is kept); nothing was sent, nothing failed."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason


class Turns:
    def __init__(self, clock: Clock, pacer: WhatsAppPacer) -> None:
        self._clock = clock
        self._pacer = pacer
        #: recipient → {outbox key: monotonic time of its turn}
        self._turns: dict[str, dict[str, float]] = {}

    def wait(self, recipient: str, key: str) -> float:
        """0: go now (the pacer's wait is at most one turn); else the seconds until ``key``'s
        turn, which is kept for it."""
        interval = self._pacer.pair_interval
        if interval <= 0:
            return 0.0
        now = self._clock.monotonic()
        turns = self._expire(recipient, now - interval)
        mine = turns.get(key)
        if mine is not None:
            return 0.0 if mine <= now + _EPSILON else mine - now
        start = now + self._pacer.pair_wait(recipient)
        if turns:
            start = max(start, max(turns.values()) + interval)
        turns[key] = start
        return 0.0 if start - now <= interval + _EPSILON else start - now

    def _expire(self, recipient: str, before: float) -> dict[str, float]:
        """The recipient's turns still ahead (those older than one interval have been used)."""
        turns = self._turns.setdefault(recipient, {})
        for key in [k for k, at in turns.items() if at < before]:
            del turns[key]
        return turns


def turns_for(runtime: Runtime, pacer: WhatsAppPacer, phone_number_id: str) -> Turns:
    """The process-wide turns of one business number (beside its pacer)."""
    turns: Turns = runtime.shared_object(
        f"notify.turns:{phone_number_id}", lambda: Turns(runtime.clock, pacer)
    )
    return turns
