"""Pacing of WhatsApp sends: under the number's throughput cap and the per-recipient pair rate.

Meta refuses sends above a business number's throughput (80 messages/s by default, 250 or 1,000
on higher tiers: 130429) and more than about one message every 6 s to the same recipient
(131056). Meta's counting window is not documented; the sandbox counts accepted sends in a
sliding one-second window. The pacer schedules against the clock, not against the last send:

- slots: admission ``k`` is due at ``origin + k * spacing``, with ``spacing = 1.03 s / cap``
  (steady throughput 0.97 of the cap). A caller woken late (a busy event loop, a slow thread)
  does not push the schedule back: the slots already due go at once, so lateness is caught up
  instead of lost. The origin only moves forward when the pacer falls more than ``catch_up``
  behind (nobody asked for a while, or a long stall), so a lull never turns into more than
  ``catch_up * rate`` sends at once;
- window: whatever the slots say, at most ``window_capacity`` sends in any ``1 s + 10 ms``,
  counted when each request actually leaves (``left``, called by the client right before the
  request goes, after the outbox's "sending" commit): a send admitted but not gone yet counts as
  leaving now. So however long a request waits between admission and the wire (a commit, a
  busy loop), no one-second window at the wire holds more than the cap, and catching up never
  bursts above it;
- guards: requests reach Meta a little later than they are admitted, by varying amounts. The
  schedule's 30 ms per window absorbs that jitter on average; the window's 10 ms bounds it for a
  catch-up burst. The 20 ms between them is also what keeps lateness from accumulating: slot
  ``k + capacity`` is due 1.03 s after slot ``k``, so a wake-up up to 20 ms late does not delay
  the slot one window later (a pacer counting from its last send loses every late wake-up);
- the window's count: no more than the schedule itself puts in a window (79 at 80/s, 981 at
  1,000/s), so catching up never makes a second at the wire denser than the steady pace does.
  Counting up to the cap left nothing for requests that reach Meta with different delays: after
  a stall (a GC pause here or at the receiver) the slots still due went out until the window
  held the cap, the sandbox's densest second held exactly 80 in every ``bench/remind.py``
  rate80 run (16 of 16), and one send delayed less than its neighbours made a 130429 (1 run in
  16; 8 in 30 with faster client code). The send kept free is one spacing (12.9 ms at 80/s) of
  such delay; the steady pace never meets the count, so it costs no throughput;
- pairs: a recipient's next send is admitted ``pair_interval`` (+ guard) after its previous one.
  A recipient waiting for its pair slot waits outside the global gate, so it never holds up
  sends to other recipients.

Feedback: ``slow_down`` (after 130429) stops every send for one window; ``back_off`` (after
131056) delays only that recipient. One pacer per business number per process (Meta counts per
number).

Several processes (``serve``, ``worker``, ``remind``, on one host or several) sending from one
number share its cap through the store's rate ledger: a pacer with a store hands out the slots it
claims, a block at a time, from the number's shared schedule instead of keeping its own
(``component.whatsapp.shared_schedule``, where that design is described). Pair pacing stays per
process. Without a store (a one-off command with no data home) the pacer keeps the schedule
alone.

All waits use the runtime's Clock. Only the caller at the head of the gate sleeps, so a FakeClock
advances by exactly the time the schedule needs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from component.clock import Clock
from component.storage.rate_ledger import Pace, ledger_for
from component.whatsapp.shared_schedule import SharedSchedule, SharedSlots

if TYPE_CHECKING:
    from component.runtime import Runtime

WINDOW_SECONDS = 1.0
#: Hard limit: at most ``window_capacity`` admissions in any window plus this.
WINDOW_GUARD_SECONDS = 0.01
#: Pace: ``capacity`` slots per ``WINDOW_SECONDS + SCHEDULE_GUARD_SECONDS``.
SCHEDULE_GUARD_SECONDS = 0.03
#: The pace when processes share the number: ``capacity`` slots per 1.06 s (0.943 of the cap).
SHARED_SCHEDULE_GUARD_SECONDS = 0.06
PAIR_GUARD_SECONDS = 0.05
#: A send admitted this long ago that never said it left is taken as gone (its caller died).
PENDING_LIMIT_SECONDS = 5.0
#: How far behind its schedule the pacer may fall and still catch up (seconds of slots).
CATCH_UP_SECONDS = 0.25
_EPSILON = 1e-9


@dataclass
class _Sent:
    """One send in the window: when it left, or (pending) when it was admitted."""

    at: float
    pending: bool = True
    #: The shared schedule's slot it was admitted for (None: the pacer's own schedule).
    slot: float | None = None


@dataclass(frozen=True)
class Ticket:
    """One admission: call ``left`` as the request goes; ``release`` it when Meta did not take
    the message (refused, unreached)."""

    recipient: str
    admitted_at: float
    waited: float
    pair_until: float | None
    previous_pair_until: float | None
    sent: _Sent = field(default_factory=lambda: _Sent(0.0), compare=False, repr=False)


@dataclass
class PacerStats:
    """What the pacer did, for benchmarks, logs and tests."""

    admitted: int = 0
    waited_seconds: float = 0.0
    slowdowns: int = 0
    pair_backoffs: int = 0
    longest_wait: float = 0.0
    #: Blocks of slots claimed from the shared schedule (transactions on the store).
    claims: int = 0
    #: Of those, the claims the ledger answered "solo": no other process sends from the number.
    solo_claims: int = 0


class WhatsAppPacer:
    """Admission control for the sends of one business number."""

    def __init__(
        self,
        clock: Clock,
        rate: float,
        pair_interval: float,
        *,
        window_guard: float = WINDOW_GUARD_SECONDS,
        schedule_guard: float = SCHEDULE_GUARD_SECONDS,
        pair_guard: float = PAIR_GUARD_SECONDS,
        catch_up: float = CATCH_UP_SECONDS,
        shared: SharedSchedule | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock
        self.rate = rate
        self.capacity = max(1, int(rate * WINDOW_SECONDS))
        self.window = WINDOW_SECONDS + window_guard
        solo = self._spacing(schedule_guard)
        #: What the solo schedule puts in a window, never more than the cap (see the docstring).
        self.window_capacity = min(self.capacity, int(self.window / solo + _EPSILON) + 1)
        self.catch_up = max(catch_up, 0.0)
        #: The pace of the pacer's own schedule (without a store).
        self._solo_spacing = solo
        self._next_slot: float | None = None
        self.pair_interval = pair_interval + pair_guard if pair_interval > 0 else 0.0
        self._gate = asyncio.Lock()
        #: The sends of the last window, in admission order.
        self._window: deque[_Sent] = deque()
        self._paused_until = 0.0
        self._pair_next: dict[str, float] = {}
        self._pair_expiry: deque[tuple[float, str]] = deque()
        self.stats = PacerStats()
        #: With a store, the slots this pacer holds of the number's shared schedule.
        self._slots: SharedSlots | None = None
        if shared is not None:
            # room for several processes' (and hosts') delays to Meta when they share the number
            shared_spacing = self._spacing(max(schedule_guard, SHARED_SCHEDULE_GUARD_SECONDS))
            self._slots = SharedSlots(
                shared,
                clock,
                Pace(solo, shared_spacing, self.capacity * (shared_spacing - solo)),
                capacity=self.capacity,
                catch_up=self.catch_up,
                window_guard=window_guard,
                schedule_guard=schedule_guard,
                stats=self.stats,
            )

    def _spacing(self, schedule_guard: float) -> float:
        """Seconds between slots: ``capacity`` per guarded second (slower for rates < 1/s)."""
        return max(1.0 / self.rate, (WINDOW_SECONDS + schedule_guard) / self.capacity)

    @property
    def shared(self) -> bool:
        """Whether the cap is shared with the other processes on the store."""
        return self._slots is not None

    @property
    def spacing(self) -> float:
        """Seconds between slots now: without a store, solo; with one, shared until a claim
        says solo."""
        return self._solo_spacing if self._slots is None else self._slots.spacing

    @property
    def solo(self) -> bool:
        """Whether the last claim found no other process sending from the number."""
        return self._slots is None or self._slots.solo

    async def acquire(self, recipient: str) -> Ticket:
        """Wait until a send to ``recipient`` may go out; the ticket says when and how long."""
        start = self._clock.monotonic()
        slots = self._slots
        if slots is not None:
            slots.waiting += 1
        try:
            while True:
                pair_wait = self._pair_wait(recipient, self._clock.monotonic())
                if pair_wait > _EPSILON:
                    await self._sleep(pair_wait)
                    continue
                async with self._gate:
                    now = await self._wait_global()
                    if self._pair_wait(recipient, now) > _EPSILON:
                        continue  # backed off while we queued: wait outside the gate again
                    previous = self._pair_next.get(recipient)
                    sent = _Sent(now)
                    until = self._admit(recipient, now, sent)
                    return Ticket(recipient, now, now - start, until, previous, sent)
        finally:
            if slots is not None:
                slots.waiting -= 1

    def left(self, ticket: Ticket) -> None:
        """The ticket's request leaves now: the window counts it from here."""
        sent = ticket.sent
        if sent.pending:
            sent.at = self._clock.monotonic()
            sent.pending = False
            if sent.slot is not None and self._slots is not None:  # how late, for the ledger
                self._slots.left(sent.at - sent.slot)

    def release(self, ticket: Ticket) -> None:
        """Meta did not accept the send: its recipient's pair slot is free again.

        The global slot stays used: giving it back could only make the next burst denser.
        """
        self.left(ticket)  # a request that never left counts as leaving now
        if ticket.pair_until is None or self._pair_next.get(ticket.recipient) != ticket.pair_until:
            return  # no pair pacing, or a later admission or back-off owns the slot now
        if ticket.previous_pair_until is None:
            self._pair_next.pop(ticket.recipient, None)
        else:
            self._pair_next[ticket.recipient] = ticket.previous_pair_until

    def pair_wait(self, recipient: str) -> float:
        """Seconds until ``recipient``'s next send may be admitted (0 when it may go now)."""
        return max(0.0, self._pair_wait(recipient, self._clock.monotonic()))

    def slow_down(self, seconds: float | None = None) -> None:
        """Meta said 130429: nobody sends for ``seconds`` (default: one full window)."""
        length = self.window if seconds is None else seconds
        self._paused_until = max(self._paused_until, self._clock.monotonic() + length)
        if self._next_slot is not None:  # the paused slots are not caught up afterwards
            self._next_slot = max(self._next_slot, self._paused_until)
        if self._slots is not None:
            self._slots.pause(length)
        self.stats.slowdowns += 1

    def back_off(self, recipient: str, seconds: float | None = None) -> float:
        """Meta said 131056: delay only ``recipient`` (default: one pair interval); returns it."""
        wait = self.pair_interval if seconds is None else seconds
        until = self._clock.monotonic() + wait
        if until > self._pair_next.get(recipient, float("-inf")):
            self._pair_next[recipient] = until
            self._pair_expiry.append((until, recipient))
        self.stats.pair_backoffs += 1
        return wait

    async def aclose(self) -> None:
        """Stop what the pacer runs in the background (the claim of the shared schedule's next
        block) before its runtime closes the store (``pacer_for`` has the runtime do it)."""
        if self._slots is not None:
            await self._slots.aclose()

    # ------------------------------------------------------------------ internals
    async def _wait_global(self) -> float:
        """Sleep (holding the gate) until the global schedule admits one more; returns now."""
        while True:
            now = self._clock.monotonic()
            if self._slots is not None:
                now = await self._slots.keep(now)
            wait = self._global_wait(now)
            if wait <= _EPSILON:
                return now
            await self._sleep(wait)

    def _global_wait(self, now: float) -> float:
        """Seconds until the next slot is due, the pause is over and the window has room."""
        horizon = now - self.window + _EPSILON
        window = self._window
        while window:
            head = window[0]
            if head.pending and head.at <= now - PENDING_LIMIT_SECONDS:
                head.pending = False  # its caller died between admission and leaving
            if head.pending or head.at > horizon:
                break
            window.popleft()
        wait = max(self._paused_until, self._slot(now)) - now
        if len(window) >= self.window_capacity:
            head = window[0]
            # a head still on its way out: look again one spacing later
            room = now + self.spacing if head.pending else head.at + self.window
            wait = max(wait, room - now)
        return wait

    def _slot(self, now: float) -> float:
        """When the next send is due: the block's next slot, or the schedule's own."""
        if self._slots is not None:
            return self._slots.held[0]  # keep left at least one
        if self._next_slot is None or self._next_slot < now - self.catch_up:
            # first use, or too far behind to catch up: the schedule starts again from here
            self._next_slot = now if self._next_slot is None else now - self.catch_up
        return self._next_slot

    def _pair_wait(self, recipient: str, now: float) -> float:
        return self._pair_next.get(recipient, float("-inf")) - now

    def _admit(self, recipient: str, now: float, sent: _Sent) -> float | None:
        self._window.append(sent)
        if self._slots is not None:
            sent.slot = self._slots.held.popleft()  # how late it leaves is told when it does
        else:
            assert self._next_slot is not None  # set by _global_wait
            self._next_slot += self.spacing  # from the slot, not from now: lateness is caught up
        self.stats.admitted += 1
        while self._pair_expiry and self._pair_expiry[0][0] <= now:
            _, old = self._pair_expiry.popleft()
            if self._pair_next.get(old, now) <= now:
                self._pair_next.pop(old, None)
        if self.pair_interval <= 0:
            return None
        until = now + self.pair_interval
        self._pair_next[recipient] = until
        self._pair_expiry.append((until, recipient))
        return until

    async def _sleep(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        self.stats.longest_wait = max(self.stats.longest_wait, seconds)
        await self._clock.sleep(seconds)


def pacer_for(runtime: Runtime, phone_number_id: str) -> WhatsAppPacer:
    """The process-wide pacer of one business number, configured from the settings."""
    settings = runtime.settings

    def create() -> WhatsAppPacer:
        ledger = ledger_for(runtime, "WhatsApp's throughput cap")
        pacer = WhatsAppPacer(
            runtime.clock,
            settings.whatsapp_messages_per_second,
            settings.whatsapp_pair_interval_seconds,
            shared=SharedSchedule(ledger, phone_number_id) if ledger is not None else None,
        )
        runtime.close_with(pacer.aclose)
        return pacer

    pacer: WhatsAppPacer = runtime.shared_object(f"whatsapp.pacer:{phone_number_id}", create)
    return pacer
