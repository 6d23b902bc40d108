"""The number's schedule shared through the store: the blocks of slots a ``WhatsAppPacer``
(``component.whatsapp.pacer``) claims from the rate ledger and hands out.

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

The ledger reads the Clock's wall time: hosts need synchronised clocks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from component.clock import Clock
from component.storage.rate_ledger import Pace, RateLedger

if TYPE_CHECKING:
    from component.whatsapp.pacer import PacerStats

#: The most of the schedule one claim takes from the shared ledger (seconds of slots).
BLOCK_SECONDS = 0.25


@dataclass(frozen=True)
class SharedSchedule:
    """The number's schedule in the store's rate ledger, shared by every process on it."""

    ledger: RateLedger
    phone_number_id: str
    #: This pacer's token in the ledger: a claim under another token means another process.
    claimant: str = field(default_factory=lambda: uuid.uuid4().hex)


class SharedSlots:
    """A pacer's part of the shared schedule: the slots it holds, claimed a block at a time
    (the next block ahead, in the background), and how late it sent them."""

    def __init__(
        self,
        schedule: SharedSchedule,
        clock: Clock,
        pace: Pace,
        *,
        capacity: int,
        catch_up: float,
        window_guard: float,
        schedule_guard: float,
        stats: PacerStats,
    ) -> None:
        self.schedule = schedule
        self._clock = clock
        self.pace = pace
        self._capacity = capacity
        self._catch_up = catch_up
        self.stats = stats
        #: The pace now: shared until a claim says solo.
        self.spacing = pace.shared
        #: Whether the last claim found no other process sending from the number.
        self.solo = False
        #: How late a send may leave its shared slot without moving the schedule on (see above).
        self._late = max(0.0, schedule_guard - window_guard)
        #: Slots claimed from the shared schedule and not handed out yet (monotonic times).
        self.held: deque[float] = deque()
        self._block_size = max(1, int(BLOCK_SECONDS / pace.shared))
        #: How much later than that this process sent a slot, for the shared schedule.
        self._debt = 0.0
        #: (send index, delay from slot to wire) of recent sends, for ``_usual_delay``.
        self._recent_delays: deque[tuple[int, float]] = deque()
        self._delay_count = 0
        #: How long a claim takes to come back (lately): a new block starts that far ahead.
        self._claim_lead = 0.0
        #: A held slot later than this is dropped, not sent (see above).
        self._held_late = max(0.0, window_guard)
        #: The claim running in the background (the next block, or lateness for the ledger).
        self._claiming: asyncio.Task[None] | None = None
        #: Callers in the pacer's ``acquire``: how many slots the next claim asks for.
        self.waiting = 0
        #: A 130429's pause, for the shared schedule (written before the next admission).
        self._unshared_pause = 0.0

    def left(self, delay: float) -> None:
        """A send left ``delay`` after its slot: what of that the guards do not absorb goes to
        the ledger with the next claim (see above)."""
        late = delay - self._usual_delay(delay) - self._late
        self._debt = max(self._debt, late)

    def pause(self, seconds: float) -> None:
        """Meta said 130429: the slots held were claimed before it said stop (claim again after
        the pause), and the shared schedule pauses too, before the next admission."""
        self.held.clear()
        self._unshared_pause = max(self._unshared_pause, seconds)

    async def keep(self, now: float) -> float:
        """Share a 130429's pause; drop the held slots too late to send; claim the next block
        ahead (and pass on how late this process sent its slots) in the background, or wait
        for a block when none is held: now."""
        shared = self.schedule
        if self._unshared_pause > 0:
            length, self._unshared_pause = self._unshared_pause, 0.0
            wall = self._clock.now().timestamp()
            await asyncio.to_thread(shared.ledger.slow_down, shared.phone_number_id, length, wall)
        while True:
            self._claimed()
            while self.held and self.held[0] < now - self._held_late:
                self.held.popleft()  # too late to send: the schedule moves on without it
            if self.held:
                if self._claiming is None and (self._debt > 0 or self._runs_low(now)):
                    wanted = self._wanted() if self._runs_low(now) else 0
                    self._claiming = asyncio.ensure_future(self._claim(wanted))
                    self._claiming.add_done_callback(_seen)
                return now
            if self._claiming is not None:  # the next block is on its way: wait for it
                await asyncio.wait((self._claiming,))
            else:
                await self._claim(self._wanted())
            now = self._clock.monotonic()

    async def aclose(self) -> None:
        """Cancel the claim still running in the background and wait until it stopped: the
        runtime closes the store next, and no task of the pacer may outlive it."""
        claiming, self._claiming = self._claiming, None
        if claiming is None or claiming.done():
            return
        if claiming.get_loop() is not asyncio.get_running_loop():
            return  # its loop is gone (``asyncio.run`` cancels what is left): nothing runs it
        claiming.cancel()
        await asyncio.wait((claiming,))

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
        while recent[0][0] <= index - self._capacity:
            recent.popleft()
        return recent[0][1]

    def _claimed(self) -> None:
        """Forget the background claim once it is over; one that failed fails this caller."""
        claiming = self._claiming
        if claiming is not None and claiming.done():
            self._claiming = None
            claiming.result()

    def _wanted(self) -> int:
        """Slots a claim asks for: one per caller waiting, at most a block."""
        return max(1, min(self.waiting, self._block_size))

    def _runs_low(self, now: float) -> bool:
        """The slots held end within two claims' time (plus two spacings) and more callers wait
        than they serve: time to claim the next block, so it is back before they run out."""
        ahead = 2 * (self._claim_lead + self.spacing)
        return self.held[-1] - now < ahead and self.waiting > len(self.held)

    async def _claim(self, wanted: int) -> None:
        """Claim ``wanted`` slots (and pass on this process's lateness); append them."""
        shared = self.schedule
        now = self._clock.monotonic()
        debt, self._debt = self._debt, 0.0
        wall = self._clock.now().timestamp()
        # the block starts no sooner than the claim is expected to come back (its first slot
        # would be late by that much otherwise, every time)
        block = await asyncio.to_thread(
            shared.ledger.claim_slots,
            shared.phone_number_id,
            wanted,
            self.pace,
            wall + self._claim_lead,
            debt,
            shared.claimant,
        )
        self.stats.claims += 1
        self.solo, self.spacing = not block.shared, block.spacing
        self.stats.solo_claims += int(self.solo)
        back = self._clock.monotonic()
        self._claim_lead = min(self._catch_up, max(back - now, self._claim_lead * 0.9))
        offset = block.first - wall  # the ledger's wall time, as this clock's monotonic time
        # after the slots held: the ledger hands out the slots that follow them
        self.held.extend(now + offset + i * block.spacing for i in range(block.count))


def _seen(task: asyncio.Task[None]) -> None:
    """Mark a background claim's failure as seen: the next caller raises it (``_claimed``), and
    with no next caller there is nobody it concerns."""
    if not task.cancelled():
        task.exception()
