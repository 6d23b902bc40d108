"""Whether a WhatsApp number is shared (component/storage/rate_ledger.py ``claim_slots``): the
ledger tells a process sending alone from one that shares the number, on both backends.

Times are the callers' wall clock in seconds; ``claimant`` is each process's pacer token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from component.config import Settings
from component.storage.rate_ledger import (
    OVERLAP_SECONDS,
    SHARED_HOLD_SECONDS,
    Pace,
    RateLedger,
    SlotBlock,
)
from component.storage.store import Store
from tests.storage import postgres_backends

settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target

NUMBER = "106540352242922"
PACE = Pace(solo=0.01, shared=0.02, handover=0.03)
T = 1_800_000_000.0


@pytest.fixture
def ledger(store_target: Path | Settings) -> Iterator[RateLedger]:
    store = Store.open(store_target)
    yield store.rate_ledger
    store.close()


def claim(ledger: RateLedger, who: str, at: float, wanted: int = 10) -> SlotBlock:
    return ledger.claim_slots(NUMBER, wanted, PACE, T + at, claimant=who)


def first(block: SlotBlock) -> float:
    return round(block.first - T, 6)


def test_one_claimant_is_solo_and_does_not_catch_up(ledger: RateLedger) -> None:
    block = claim(ledger, "a", 0.0)
    assert (first(block), block.spacing, block.shared) == (0.0, 0.01, False)
    assert first(claim(ledger, "a", 0.05)) == 0.1  # after its first block
    # behind: from now, not a burst of the missed slots (their requests would reach Meta
    # bunched with the jitter of a loaded machine)
    assert first(claim(ledger, "a", 0.3)) == 0.3
    late = ledger.claim_slots(NUMBER, 1, PACE, T + 0.31, 0.05, claimant="a")
    assert (first(late), late.shared) == (0.45, False)  # a late send moves it on, solo too


def test_a_second_claimant_shares_the_number_after_the_solo_slots(ledger: RateLedger) -> None:
    claim(ledger, "a", 0.0)  # slots 0.00 .. 0.09 at the solo pace, handed out already
    joined = claim(ledger, "b", 0.05)
    assert joined.shared
    assert joined.spacing == 0.02
    assert first(joined) == 0.13  # the solo schedule's end (0.10) and the handover (0.03)
    back = claim(ledger, "a", 0.06)
    assert back.shared  # the first process learns it with its next claim
    assert first(back) == 0.33  # after the second's block, no second handover
    # shared: a late process's delay moves the schedule on; behind, it starts again from now
    late = ledger.claim_slots(NUMBER, 1, PACE, T + 0.07, 0.05, claimant="b")
    assert (first(late), late.shared) == (0.58, True)  # 0.53 and the 0.05 s delay
    assert first(claim(ledger, "b", 2.0)) == 2.0


def test_the_number_is_solo_again_once_the_other_stops_claiming(ledger: RateLedger) -> None:
    claim(ledger, "a", 0.0)
    claim(ledger, "b", 0.05)
    assert claim(ledger, "a", 0.06).shared  # the last time two claimants were seen
    assert claim(ledger, "a", 0.06 + SHARED_HOLD_SECONDS - 0.01).shared
    again = claim(ledger, "a", 0.06 + SHARED_HOLD_SECONDS + 0.01)
    assert not again.shared
    assert again.spacing == 0.01


def test_a_claimant_gone_quiet_long_enough_does_not_share_the_number(ledger: RateLedger) -> None:
    claim(ledger, "a", 0.0)  # its slots end at 0.10
    after = claim(ledger, "b", 0.1 + OVERLAP_SECONDS + 0.01)
    assert not after.shared  # "a" sent nothing for longer than the overlap: "b" is alone
    assert claim(ledger, "a", 0.1 + OVERLAP_SECONDS + 0.02).shared  # now both are back


def test_a_pause_is_not_caught_up(ledger: RateLedger) -> None:
    claim(ledger, "a", 0.0)
    ledger.slow_down(NUMBER, 1.0, T + 0.2)
    assert first(claim(ledger, "a", 0.3)) == 1.2  # after the pause
