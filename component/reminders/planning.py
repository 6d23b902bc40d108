"""Planning a run's contacts off the event loop, in batches, one batch ahead of the sends.

Planning reads the store (each contact's candidates, its cached record, what the outbox holds
for its invoices, its opt-outs and reply pause) and computes the plan. Done on the event loop,
it held the loop for seconds at a time while the send queue filled, and every send in flight
waited, the WhatsApp pacer woke late (issue 13: 15 s of a 127 s profile). Here a worker thread
plans ``BATCH`` contacts at a time while the loop queues the previous batch's messages, with
one read (two statements for the whole batch, not three per contact).

Memory stays flat whatever the number of invoices: besides the send queue, one batch is being
planned and one is being handed out. Plans are those ``plan.plan_contact`` makes, contact by
contact in the candidates' order: a contact's plan only depends on its own invoices' rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from component.reminders import plan as p

if TYPE_CHECKING:
    from component.storage.reminder_cache import Candidate
    from component.storage.store import Store

#: Contacts planned per trip to the worker thread: enough that the trip costs little against
#: the planning, few enough that one read stays short (about 100 invoices in the bench).
BATCH = 32
#: A batch ends early once its contacts have this many invoices: the outbox statement names
#: every one of them (a contact with more is planned in a batch of its own, as before).
BATCH_INVOICES = 500


@dataclass(frozen=True)
class Planned:
    """One contact's plan, with the name its skips are reported under."""

    contact_name: str
    plan: p.ContactPlan


def plan_groups(store: Store, ctx: p.PlanContext, groups: list[list[Candidate]]) -> list[Planned]:
    """The plans of these contacts (each group: one contact's candidates), in their order, from
    one short read: the cached contacts and the outbox's states for all their invoices."""
    if not groups:
        return []
    with store.read():
        contacts = store.contacts_cache.get_many(ctx.tenant_id, [g[0].contact_id for g in groups])
        invoices = (c.invoice_id for group in groups for c in group)
        states = store.outbox.subject_states(ctx.tenant_id, invoices)
        mine = dataclasses.replace(ctx, item_reason=states.reason)
        return [
            Planned(
                group[0].contact_name,
                p.plan_contact(mine, group, contacts.get(group[0].contact_id)),
            )
            for group in groups
        ]


class PlanAhead:
    """The run's plans, batch by batch, the next batch planned in a thread while the caller
    handles this one. ``close()`` must be awaited (in a ``finally``): a run that ends early
    waits there for the batch still being planned, so no thread reads the store after it."""

    def __init__(
        self, store: Store, ctx: p.PlanContext, run_id: str, batch: int | None = None
    ) -> None:
        self._store = store
        self._ctx = ctx
        self._size = max(1, batch or BATCH)
        self._groups: Iterator[list[Candidate]] = store.candidates.by_contact(run_id, ctx.tenant_id)
        self._pending: asyncio.Task[list[Planned]] | None = None
        self._done = False
        #: the first contact of the next batch, read while the last one was filled
        self._carried: list[list[Candidate]] = []

    def _plan_next(self) -> list[Planned]:
        """In the worker thread: the next batch's candidates (their own read, retried on a
        dropped connection), then their plans (one read, run again whole on a drop)."""
        groups = self._next_groups()
        return self._store.db.retrying(lambda: plan_groups(self._store, self._ctx, groups))

    def _next_groups(self) -> list[list[Candidate]]:
        """Up to ``batch`` contacts, fewer once they have ``BATCH_INVOICES`` invoices; empty
        once every contact was taken."""
        groups, self._carried = self._carried, []
        invoices = sum(len(g) for g in groups)
        while len(groups) < self._size:
            group = next(self._groups, None)
            if group is None:
                break
            if groups and invoices + len(group) > BATCH_INVOICES:
                self._carried = [group]  # it starts the next batch
                break
            groups.append(group)
            invoices += len(group)
        return groups

    def _start(self) -> asyncio.Task[list[Planned]]:
        return asyncio.ensure_future(asyncio.to_thread(self._plan_next))

    async def next(self) -> list[Planned]:
        """The next batch of plans; empty once every contact is planned. An error of the
        planning (a bug, the store) is raised here, as it would have been on the loop."""
        if self._done:
            return []
        pending = self._pending or self._start()
        self._pending = pending
        # shielded: a cancelled caller leaves the thread's batch to ``close()``, not half-done
        batch = await asyncio.shield(pending)
        self._done = not batch
        self._pending = None if self._done else self._start()
        return batch

    async def close(self) -> None:
        """Wait for the batch still being planned (its plans and any error are dropped: the run
        is already ending)."""
        pending, self._pending, self._done = self._pending, None, True
        if pending is None:
            return
        await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # retrieved, so asyncio does not log it as lost
