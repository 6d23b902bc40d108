"""The service's background tasks besides the worker: the scheduler and the tenant re-listing.

- the scheduler (``component.scheduler``) runs every organisation's periodic jobs unless
  ``--no-scheduler`` (``XERO_WA_SCHEDULER=false``) or ``--no-worker`` (a process that only
  receives runs no jobs; ``xero-wa worker`` runs them instead);
- every ``XERO_WA_TENANT_REFRESH_SECONDS`` each stored Xero connection's tenant list is asked
  again, so an organisation disconnected in Xero is marked (``xero-wa orgs``, ``/readyz``) and
  a newly ticked one appears, without anyone running a command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from component.orgs.sync import refresh_all
from component.service.state import ServiceState

log = logging.getLogger("xero_wa.service")


def start(state: ServiceState) -> list[asyncio.Task[None]]:
    """Start what this process runs besides requests: only a process that works (not one
    started with ``--no-worker``, which only receives) runs the scheduler and the re-listing."""
    config = state.config
    if not config.xero_wa_worker:
        return []
    tasks = []
    if config.xero_wa_scheduler and state.scheduler is not None:
        tasks.append(asyncio.create_task(state.scheduler.run_forever(), name="xero-wa-scheduler"))
    if config.xero_wa_tenant_refresh_seconds > 0:
        tasks.append(asyncio.create_task(_relist_forever(state), name="xero-wa-tenants"))
    return tasks


async def stop(state: ServiceState, tasks: list[asyncio.Task[None]], grace: float = 5.0) -> None:
    """Ask every loop to stop and let it finish its current step: a task is cancelled only
    after ``grace`` seconds (a cancelled task's thread could still be using the store when the
    store closes)."""
    if state.scheduler is not None:
        state.scheduler.stop()
    _stopping(state).set()
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _stopping(state: ServiceState) -> asyncio.Event:
    event: asyncio.Event = state.runtime.shared_object("service.stopping", asyncio.Event)
    return event


async def _relist_forever(state: ServiceState) -> None:
    interval = state.config.xero_wa_tenant_refresh_seconds
    stopping = _stopping(state)
    while not stopping.is_set():
        sleeper = asyncio.ensure_future(state.runtime.clock.sleep(interval))
        waker = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (sleeper, waker):
                pending.cancel()
        if stopping.is_set():
            return
        try:
            await refresh_all(state.runtime)
        except Exception:
            log.exception("tenant re-listing failed; trying again next interval")
