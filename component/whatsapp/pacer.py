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
- the window's count: what the schedule itself puts in a window (79 at 80/s), so catching up
  never makes a second denser than the steady pace (which never meets it). At the cap, one send
  reaching Meta sooner than its neighbours made a 130429 (``bench/remind.py`` rate80);
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
them out itself; so 1,000 messages a second cost about four transactions a second, and the
processes together stay under the cap and together still reach it. Each claim also answers
whether the number is *shared*: every pacer claims under its own random token, and a claim under
another token than the last one, within ``OVERLAP_SECONDS`` (5 s) of that one's last claim or
slot, marks the number shared for ``SHARED_HOLD_SECONDS`` (10 s). The window guard only sees
this process's sends, at ``left``, so solo or shared the schedule keeps the cap by itself:

- pace: solo (nobody else sent from the number lately: ``remind`` alone, the usual case), the
  single-process pace, 0.97 of the cap (``SCHEDULE_GUARD_SECONDS``); shared, 60 ms a window
  (``SHARED_SCHEDULE_GUARD_SECONDS``: 0.943 of the cap), room for processes, and hosts,
  reaching Meta with different delays. A lone sender used to pay the shared guard too, and so
  could never reach 0.95 of the cap;
- no catch-up: a schedule that fell behind starts again from now, and a send that leaves
  (``left``) more than 20 ms (``schedule_guard - window_guard``) later than this process's
  sends of the last second usually do (the least of their delays from slot to wire: the
  outbox's commit is paid by every send and crowds no window) moves the schedule on by the
  excess, in a transaction before the process's next send (well before the second after it is
  handed out), so that second does not hold one send too many. So on a loaded machine, whose
  processes wake late, the number sends slower rather than past its cap. This holds solo too: a
  catch-up burst fills a second at ``left`` to within the window guard's 10 ms, and a loaded
  machine's requests reach Meta with more jitter than that (``bench/remind.py`` rate80 with
  solo catch-up: 11-16 answers 130429 a run at load 3.4-3.8 on 2 cores, 2-4 with a 30 ms
  window at load 4.7-7.7; none in 8 runs without catch-up at load 3.0-7.5);
- a new block starts no sooner than a claim takes to come back;
- the next block is claimed ahead, in the background (``_claiming``): once the slots held
  cover less than two claims' time (plus two spacings), while more callers wait than slots are
  held, a claim runs outside the gate and its slots are appended when it returns; a late send's
  lateness goes to the ledger the same way. Claimed only once the block ran out, every block's
  first send waited for a write transaction inside the gate, and a claim slower than one
  spacing (a commit on a loaded machine) started the next block that much after the previous
  one's end: lost slots at every block (40 ms claims: 0.87 of the cap). The ledger hands out the
  slots that follow the ones held, the same slots as before, only asked for sooner;
- a held slot already later than the window guard (10 ms) is never sent: it is dropped and the
  schedule moves on, as after a late send. Held slots are late after a stall (a busy loop, a
  slow claim, a paused process) and with a block claimed ahead there are always some: sent at
  once, they were catch-up by another door, a burst that fills a second to within the window
  guard (``bench/remind.py`` rate80 with the block claimed ahead and late slots kept for
  ``catch_up``: 130429 in 3 of 11 runs). A slot up to 10 ms late leaves 81 consecutive sends
  at least 1.02 s apart at ``left`` (solo pace), the 20 ms the guards leave for delays to Meta.
  A block claimed ahead and not used when the sends stop stays claimed: the ledger's next slot
  is at most a block (``BLOCK_SECONDS``) past the last slot used, so the next process to claim
  starts that much later, once (and after the handover gap, as after any solo sender);
- the handover: when a second process appears, the first may hold a solo block at the tight
  pace, which is not taken back. The claim that finds the number newly shared starts
  ``capacity * (shared - solo spacing)`` (30 ms, the guards' difference) after the end of the
  solo schedule, or after now when that is behind. Then any 1.06 s of the schedule that holds
  slots of both paces holds no more than the cap, as 1.06 s of the shared pace does: the
  newcomer's first sends and the solo sender's last tolerate the same difference in delays as
  two shared processes (without the gap, a 50 ms difference put 81 sends in one second at
  80/s). The first process learns it shares the number with its next claim. Back to solo (the
  other process stopped claiming for the hold) needs no gap: the shared slots were wider;
- a 130429 pauses the shared schedule too, so every process slows down (within the block it
  already holds).

Pair pacing stays per process. Without a store (a one-off command with no data home) the pacer
keeps the schedule alone. The ledger reads the Clock's wall time: hosts need synchronised
clocks.

All waits use the runtime's Clock. Only the caller at the head of the gate sleeps, so a FakeClock
advances by exactly the time the schedule needs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from component.clock import Clock
from component.storage.rate_ledger import Pace, RateLedger, ledger_for

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
#: The most of the schedule one claim takes from the shared ledger (seconds of slots).
BLOCK_SECONDS = 0.25
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


@dataclass(frozen=True)
class SharedSchedule:
    """The number's schedule in the store's rate ledger, shared by every process on it."""

    ledger: RateLedger
    phone_number_id: str
    #: This pacer's token in the ledger: a claim under another token means another process.
    claimant: str = field(default_factory=lambda: uuid.uuid4().hex)


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
        #: How late a send may leave its shared slot without moving the schedule on (see above).
        self._late = max(0.0, schedule_guard - window_guard)
        solo = self._spacing(schedule_guard)
        #: What the solo schedule puts in a window, never more than the cap (see the docstring).
        self.window_capacity = min(self.capacity, int(self.window / solo + _EPSILON) + 1)
        # room for several processes' (and hosts') delays to Meta when they share the number
        shared_spacing = self._spacing(max(schedule_guard, SHARED_SCHEDULE_GUARD_SECONDS))
        self.catch_up = max(catch_up, 0.0)
        self._pace = Pace(solo, shared_spacing, self.capacity * (shared_spacing - solo))
        #: The pace now: without a store, solo; with one, shared until a claim says solo.
        self.spacing = solo if shared is None else shared_spacing
        #: Whether the last claim found no other process sending from the number.
        self.solo = shared is None
        self._next_slot: float | None = None
        self.pair_interval = pair_interval + pair_guard if pair_interval > 0 else 0.0
        self._gate = asyncio.Lock()
        #: The sends of the last window, in admission order.
        self._window: deque[_Sent] = deque()
        self._paused_until = 0.0
        self._pair_next: dict[str, float] = {}
        self._pair_expiry: deque[tuple[float, str]] = deque()
        self._shared = shared
        #: Slots claimed from the shared schedule and not handed out yet (monotonic times).
        self._block: deque[float] = deque()
        self._block_size = max(1, int(BLOCK_SECONDS / shared_spacing))
        #: How much later than that this process sent a slot, for the shared schedule.
        self._debt = 0.0
        #: (send index, delay from slot to wire) of recent sends, for ``_usual_delay``.
        self._recent_delays: deque[tuple[int, float]] = deque()
        self._delay_count = 0
        #: How long a claim takes to come back (lately): a new block starts that far ahead.
        self._claim_lead = 0.0
        #: A held slot later than this is dropped, not sent (see the docstring).
        self._held_late = max(0.0, window_guard)
        #: The claim running in the background (the next block, or lateness for the ledger).
        self._claiming: asyncio.Task[None] | None = None
        #: Callers in ``acquire``: how many slots the next claim asks for.
        self._waiting = 0
        #: A 130429's pause, for the shared schedule (written before the next admission).
        self._unshared_pause = 0.0
        self.stats = PacerStats()

    def _spacing(self, schedule_guard: float) -> float:
        """Seconds between slots: ``capacity`` per guarded second (slower for rates < 1/s)."""
        return max(1.0 / self.rate, (WINDOW_SECONDS + schedule_guard) / self.capacity)

    @property
    def shared(self) -> bool:
        """Whether the cap is shared with the other processes on the store."""
        return self._shared is not None

    async def acquire(self, recipient: str) -> Ticket:
        """Wait until a send to ``recipient`` may go out; the ticket says when and how long."""
        start = self._clock.monotonic()
        self._waiting += 1
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
            self._waiting -= 1

    def left(self, ticket: Ticket) -> None:
        """The ticket's request leaves now: the window counts it from here."""
        sent = ticket.sent
        if sent.pending:
            sent.at = self._clock.monotonic()
            sent.pending = False
            if sent.slot is not None:  # later than the guards absorb: see the docstring
                delay = sent.at - sent.slot
                late = delay - self._usual_delay(delay) - self._late
                self._debt = max(self._debt, late)

    def _usual_delay(self, delay: float) -> float:
        """The least delay from slot to wire among this process's last ``capacity`` sends
        (``delay`` the newest): what every send here pays, such as the outbox's commit.

        A delay every send pays shifts all of this process's sends alike and crowds no window,
        so only the part above it is lateness; counting it all moved the shared schedule on by
        the commit's 40 ms at every send of a loaded machine (0.30 of the cap at 80/s). A
        stall still counts in full: the least delay of the last second stays low.
        """
        index, self._delay_count = self._delay_count, self._delay_count + 1
        recent = self._recent_delays  # increasing delays, oldest first (a sliding minimum)
        while recent and recent[-1][1] >= delay:
            recent.pop()
        recent.append((index, delay))
        while recent[0][0] <= index - self.capacity:
            recent.popleft()
        return recent[0][1]

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
    async def _wait_global(self) -> float:
        """Sleep (holding the gate) until the global schedule admits one more; returns now."""
        while True:
            now = self._clock.monotonic()
            if self._shared is not None:
                now = await self._keep_block(self._shared, now)
            wait = self._global_wait(now)
            if wait <= _EPSILON:
                return now
            await self._sleep(wait)

    async def _keep_block(self, shared: SharedSchedule, now: float) -> float:
        """Share a 130429's pause; drop the held slots too late to send; claim the next block
        ahead (and pass on how late this process sent its slots) in the background, or wait
        for a block when none is held: now."""
        if self._unshared_pause > 0:
            length, self._unshared_pause = self._unshared_pause, 0.0
            wall = self._clock.now().timestamp()
            await asyncio.to_thread(shared.ledger.slow_down, shared.phone_number_id, length, wall)
        while True:
            self._claimed()
            while self._block and self._block[0] < now - self._held_late:
                self._block.popleft()  # too late to send: the schedule moves on without it
            if self._block:
                if self._claiming is None and (self._debt > 0 or self._runs_low(now)):
                    wanted = self._wanted() if self._runs_low(now) else 0
                    self._claiming = asyncio.ensure_future(self._claim(shared, wanted))
                    self._claiming.add_done_callback(_seen)
                return now
            if self._claiming is not None:  # the next block is on its way: wait for it
                await asyncio.wait((self._claiming,))
            else:
                await self._claim(shared, self._wanted())
            now = self._clock.monotonic()

    def _claimed(self) -> None:
        """Forget the background claim once it is over; one that failed fails this caller."""
        claiming = self._claiming
        if claiming is not None and claiming.done():
            self._claiming = None
            claiming.result()

    def _wanted(self) -> int:
        """Slots a claim asks for: one per caller waiting, at most a block."""
        return max(1, min(self._waiting, self._block_size))

    def _runs_low(self, now: float) -> bool:
        """The slots held end within two claims' time (plus two spacings) and more callers wait
        than they serve: time to claim the next block, so it is back before they run out."""
        ahead = 2 * (self._claim_lead + self.spacing)
        return self._block[-1] - now < ahead and self._waiting > len(self._block)

    async def _claim(self, shared: SharedSchedule, wanted: int) -> None:
        """Claim ``wanted`` slots (and pass on this process's lateness); append them."""
        now = self._clock.monotonic()
        debt, self._debt = self._debt, 0.0
        wall = self._clock.now().timestamp()
        # the block starts no sooner than the claim is expected to come back (its first slot
        # would be late by that much otherwise, every time)
        block = await asyncio.to_thread(
            shared.ledger.claim_slots,
            shared.phone_number_id,
            wanted,
            self._pace,
            wall + self._claim_lead,
            debt,
            shared.claimant,
        )
        self.stats.claims += 1
        self.solo, self.spacing = not block.shared, block.spacing
        self.stats.solo_claims += int(self.solo)
        back = self._clock.monotonic()
        self._claim_lead = min(self.catch_up, max(back - now, self._claim_lead * 0.9))
        offset = block.first - wall  # the ledger's wall time, as this clock's monotonic time
        # after the slots held: the ledger hands out the slots that follow them
        self._block.extend(now + offset + i * block.spacing for i in range(block.count))

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
        if self._shared is not None:
            return self._block[0]  # _keep_block left at least one
        if self._next_slot is None or self._next_slot < now - self.catch_up:
            # first use, or too far behind to catch up: the schedule starts again from here
            self._next_slot = now if self._next_slot is None else now - self.catch_up
        return self._next_slot

    def _pair_wait(self, recipient: str, now: float) -> float:
        return self._pair_next.get(recipient, float("-inf")) - now

    def _admit(self, recipient: str, now: float, sent: _Sent) -> float | None:
        self._window.append(sent)
        if self._shared is not None:
            sent.slot = self._block.popleft()  # how late it leaves is told when it does
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


def _seen(task: asyncio.Task[None]) -> None:
    """Mark a background claim's failure as seen: the next caller raises it (``_claimed``), and
    with no next caller there is nobody it concerns."""
    if not task.cancelled():
        task.exception()


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
