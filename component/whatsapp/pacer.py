"""Pacing of WhatsApp sends: under the number's throughput cap and the per-recipient pair rate.

Meta refuses sends above a business number's throughput (80 messages/s by default, 250 or 1,000
on higher tiers: 130429) and more than about one message every 6 s to the same recipient
(131056). Meta's counting window is not documented; the sandbox counts accepted sends in a
sliding one-second window, at the wire. So the pacer paces *departures*, the moment each request
goes (``leave``, called by the client right before the transport, after the outbox's "sending"
commit), not admissions:

- slots: the schedule hands out slots ``spacing = 1.03 s / cap`` apart (0.97 of the cap) against
  the clock. ``acquire`` takes the next slot ``lead`` ahead of it (``lead``: how long callers
  lately took from admission to ``leave``: the commit, a busy loop; at most ``LEAD_SECONDS`` and
  ``LEAD_SENDS`` slots), and ``leave`` waits for the slot itself. So the commit's time is spent
  before the slot instead of pushing every request behind it;
- lateness: a request ready to go (or woken) more than ``late`` (20 ms) after its slot does not
  go: its slot is dropped and it takes the next free one, before the callers still waiting in
  ``acquire`` (a missed slot is never caught up, so a stall of the event loop or a slow commit
  never turns into a burst at the wire). Departures are thus always within 20 ms of their slot:
  a 1-s window holds at most the slots of 1.02 s, 80 × 1.02 / 1.03 = 79.2, with 10 ms to spare
  for the way to Meta (a request that reaches the sandbox, or Meta, later than its neighbours);
- window: whatever the slots say, at most ``capacity`` departures in any ``1 s + 10 ms`` (a hard
  limit, counted at ``leave``);
- pairs: a recipient's next send is admitted ``pair_interval`` (+ guard) after its previous one.
  A recipient waiting for its pair slot waits outside the global gate, so it never holds up
  sends to other recipients.

Feedback: ``slow_down`` (after 130429) stops every send for one window; ``back_off`` (after
131056) delays only that recipient. One pacer per business number per process (Meta counts per
number).

Several processes (``serve``, ``worker``, ``remind``, on one host or several) sending from one
number share its cap through the store's rate ledger (``component.storage.rate_ledger``): the
schedule's ``next_slot`` lives there, and a pacer claims a *block* of consecutive slots (as many
as it has callers waiting, at most ``BLOCK_SECONDS`` of the rate) in one transaction, then hands
them out itself; so 1,000 messages a second cost about four transactions a second. Every process
departs within 20 ms of slots no other process holds, so the bound above holds for them together
(the window guard only sees its own process's sends). A block starts no sooner than a claim takes
to come back plus the lead; its slots too late to use are dropped, never caught up; a 130429
pauses the shared schedule too, so every process slows down.

Pair pacing stays per process. Without a store (a one-off command with no data home) the pacer
keeps the schedule alone. The ledger reads the Clock's wall time: hosts need synchronised
clocks.

All waits use the runtime's Clock. Only the caller at the head of the gate sleeps, so a FakeClock
advances by exactly the time the schedule needs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from component.clock import Clock
from component.storage.rate_ledger import RateLedger, ledger_for

if TYPE_CHECKING:
    from component.runtime import Runtime

WINDOW_SECONDS = 1.0
#: Hard limit: at most ``capacity`` departures in any ``WINDOW_SECONDS + WINDOW_GUARD_SECONDS``.
WINDOW_GUARD_SECONDS = 0.01
#: Pace: ``capacity`` slots per ``WINDOW_SECONDS + SCHEDULE_GUARD_SECONDS`` (0.97 of the cap).
SCHEDULE_GUARD_SECONDS = 0.03
#: How late a request may leave after its slot: any second then holds the slots of 1.02 s at
#: most (79 at 80/s), and the other 10 ms of the schedule's guard absorb the way to Meta.
LATE_SECONDS = 0.02
PAIR_GUARD_SECONDS = 0.05
#: The most a slot is taken ahead of its time (callers slower than this to leave miss it) ...
LEAD_SECONDS = 0.25
#: ... and in slots: callers waiting for their slot hold a place on the wire
#: (``client.REQUESTS_IN_FLIGHT``, 32), so at most half of those wait.
LEAD_SENDS = 16
#: How fast the lead forgets a slow caller, per departure (it follows a slower one at once):
#: by half in about 14 departures (a lead kept longer costs more than the misses it saves:
#: measured at 80/s).
LEAD_DECAY = 0.95
#: The most of the schedule one claim takes from the shared ledger (seconds of slots).
BLOCK_SECONDS = 0.25
_EPSILON = 1e-9


@dataclass
class _Departure:
    """A ticket's slot, and when its request left (None: not yet)."""

    slot: float
    #: When the admission was due (the slot less the lead): how long the caller took is
    #: measured from here.
    due: float
    left_at: float | None = None


@dataclass(frozen=True)
class Ticket:
    """One admission: ``await leave`` as the request goes; ``release`` it when Meta did not
    take the message (refused, unreached)."""

    recipient: str
    admitted_at: float
    waited: float
    pair_until: float | None
    previous_pair_until: float | None
    departure: _Departure = field(
        default_factory=lambda: _Departure(0.0, 0.0), compare=False, repr=False
    )


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
    #: Slots dropped because their request was not ready to leave in time.
    missed: int = 0


@dataclass(frozen=True)
class SharedSchedule:
    """The number's schedule in the store's rate ledger, shared by every process on it."""

    ledger: RateLedger
    phone_number_id: str


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
        shared: SharedSchedule | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock
        self.rate = rate
        self.capacity = max(1, int(rate * WINDOW_SECONDS))
        self.window = WINDOW_SECONDS + window_guard
        #: How late a request may leave after its slot (see the module's docstring).
        self.late = min(LATE_SECONDS, schedule_guard)
        #: One slot per ``spacing``: ``capacity`` slots per guarded second (slower for rates < 1/s).
        self.spacing = max(1.0 / rate, (WINDOW_SECONDS + schedule_guard) / self.capacity)
        self._max_lead = min(LEAD_SECONDS, LEAD_SENDS * self.spacing)
        #: How far ahead of its slot a caller is admitted (learnt from the callers).
        self.lead = 0.0
        self._next_slot: float | None = None
        self.pair_interval = pair_interval + pair_guard if pair_interval > 0 else 0.0
        self._gate = asyncio.Lock()
        #: Departures of the last window, oldest first.
        self._window: deque[float] = deque()
        self._paused_until = 0.0
        self._pair_next: dict[str, float] = {}
        self._pair_expiry: deque[tuple[float, str]] = deque()
        self._shared = shared
        #: Slots claimed from the shared schedule and not handed out yet (monotonic times).
        self._block: deque[float] = deque()
        self._block_size = max(1, int(BLOCK_SECONDS / self.spacing))
        #: How long a claim takes to come back (lately): a new block starts that far ahead.
        self._claim_lead = 0.0
        #: Callers in ``acquire``: how many slots the next claim asks for.
        self._waiting = 0
        #: A 130429's pause, for the shared schedule (written before the next admission).
        self._unshared_pause = 0.0
        self.stats = PacerStats()

    @property
    def shared(self) -> bool:
        """Whether the cap is shared with the other processes on the store."""
        return self._shared is not None

    async def acquire(self, recipient: str) -> Ticket:
        """Wait until a send to ``recipient`` may get ready to go; ``leave`` then waits for its
        slot. The ticket says when it was admitted and how long it waited."""
        start = self._clock.monotonic()
        self._waiting += 1
        try:
            while True:
                pair_wait = self._pair_wait(recipient, self._clock.monotonic())
                if pair_wait > _EPSILON:
                    await self._sleep(pair_wait)
                    continue
                async with self._gate:
                    lead = self.lead
                    slot = await self._wait_global(lead)
                    now = self._clock.monotonic()
                    if self._pair_wait(recipient, now) > _EPSILON:
                        continue  # backed off while we queued: wait outside the gate again
                    self._take(slot)
                    previous = self._pair_next.get(recipient)
                    until = self._admit(recipient, now)
                    departure = _Departure(slot, slot - lead)
                    return Ticket(recipient, now, now - start, until, previous, departure)
        finally:
            self._waiting -= 1

    async def leave(self, ticket: Ticket) -> None:
        """The ticket's request is ready to go: wait for its slot (a new one when it missed
        it), and for room in the window; returns when it may leave."""
        departure = ticket.departure
        if departure.left_at is not None:
            return
        self._learn(self._clock.monotonic() - departure.due)
        while True:
            now = self._clock.monotonic()
            if now > departure.slot + self.late or departure.slot < self._paused_until - _EPSILON:
                # missed (or paused since): not caught up, the next free slot instead
                self.stats.missed += 1
                departure.slot = await self._next_free(now)
                continue
            if departure.slot - now > _EPSILON:
                # woken late by more than ``late`` (a busy loop): missed too, when it looks again
                await self._sleep(departure.slot - now)
                continue
            room = self._window_room(now)
            if room <= _EPSILON:
                break
            await self._sleep(room)  # the hard limit: goes once there is room, slot or not
            now = self._clock.monotonic()
            break
        departure.left_at = now
        self._window.append(now)

    def release(self, ticket: Ticket) -> None:
        """Meta did not accept the send: its recipient's pair slot is free again.

        The global slot stays used: giving it back could only make the next burst denser.
        """
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
        self._block.clear()  # claimed before Meta said stop: claim again after the pause
        self._unshared_pause = max(self._unshared_pause, length)
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

    # ------------------------------------------------------------------ internals
    def _learn(self, took: float) -> None:
        """A caller took ``took`` from its admission's due time to ``leave``: the lead follows a
        slower caller at once and forgets it slowly (a stall every so often is the norm on a
        busy machine), within its bounds."""
        self.lead = min(self._max_lead, max(took, self.lead * LEAD_DECAY, 0.0))

    async def _next_free(self, now: float) -> float:
        """A new slot for a request that missed its own: ready now, it goes before the callers
        still waiting in ``acquire`` (the next free slot without queueing at the gate, unless a
        block must be claimed first)."""
        if self._shared is None or self._drop_past(now):
            slot = self._slot(now, 0.0)
            self._take(slot)
            return slot
        async with self._gate:
            slot = await self._wait_global(0.0)
            self._take(slot)
            return slot

    def _drop_past(self, now: float) -> bool:
        """Drop the block's slots too late to use (a missed slot is never caught up); whether
        one is left."""
        block = self._block
        while block and (block[0] + self.late < now or block[0] < self._paused_until - _EPSILON):
            block.popleft()
        return bool(block)

    async def _wait_global(self, lead: float) -> float:
        """Sleep (holding the gate) until the next slot is at most ``lead`` away and the pause
        is over; returns that slot (the caller takes it with ``_take``)."""
        while True:
            now = self._clock.monotonic()
            if self._shared is not None:
                now = await self._keep_block(self._shared, now, lead)
            slot = self._slot(now, lead)
            wait = max(self._paused_until, slot - lead) - now
            if wait <= _EPSILON:
                return slot
            await self._sleep(wait)

    async def _keep_block(self, shared: SharedSchedule, now: float, lead: float) -> float:
        """Share a 130429's pause; drop the block's slots too late to use; claim the next block
        before this one runs out (a claim takes a while to come back, and callers are admitted
        ``lead`` ahead): now."""
        if self._unshared_pause > 0:
            length, self._unshared_pause = self._unshared_pause, 0.0
            wall = self._clock.now().timestamp()
            await asyncio.to_thread(shared.ledger.slow_down, shared.phone_number_id, length, wall)
        ahead = lead + self._claim_lead
        if self._drop_past(now) and (
            self._block[-1] - now >= ahead or self._waiting <= len(self._block)
        ):
            return now  # enough slots in hand, far enough ahead or for every caller
        wanted = max(1, min(self._waiting - len(self._block), self._block_size))
        wall = self._clock.now().timestamp()
        # right after this block, when no other process took those slots meanwhile; a first
        # block no sooner than the claim is expected to come back, plus the lead (its first
        # slots would be missed otherwise, every time)
        after = self._block[-1] + self.spacing - now if self._block else ahead
        block = await asyncio.to_thread(
            shared.ledger.claim_slots, shared.phone_number_id, wanted, self.spacing, wall + after
        )
        self.stats.claims += 1
        back = self._clock.monotonic()
        self._claim_lead = min(LEAD_SECONDS, max(back - now, self._claim_lead * 0.9))
        offset = block.first - wall  # the ledger's wall time, as this clock's monotonic time
        self._block.extend(now + offset + i * self.spacing for i in range(block.count))
        return back

    def _slot(self, now: float, lead: float) -> float:
        """The next free slot: the block's next, or the schedule's own (which starts again from
        here when its next slot is too late to use: missed slots are not caught up)."""
        if self._shared is not None:
            return self._block[0]  # _keep_block left at least one
        if self._next_slot is None or self._next_slot + self.late < now:
            self._next_slot = max(now + lead, self._paused_until)
        return self._next_slot

    def _take(self, slot: float) -> None:
        if self._shared is not None:
            self._block.popleft()
        else:
            self._next_slot = slot + self.spacing

    def _window_room(self, now: float) -> float:
        """Seconds until the window has room for one more departure (0: now)."""
        window = self._window
        horizon = now - self.window + _EPSILON
        while window and window[0] <= horizon:
            window.popleft()
        if len(window) < self.capacity:
            return 0.0
        return window[0] + self.window - now

    def _pair_wait(self, recipient: str, now: float) -> float:
        return self._pair_next.get(recipient, float("-inf")) - now

    def _admit(self, recipient: str, now: float) -> float | None:
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
        return WhatsAppPacer(
            runtime.clock,
            settings.whatsapp_messages_per_second,
            settings.whatsapp_pair_interval_seconds,
            shared=SharedSchedule(ledger, phone_number_id) if ledger is not None else None,
        )

    pacer: WhatsAppPacer = runtime.shared_object(f"whatsapp.pacer:{phone_number_id}", create)
    return pacer
