"""The service's background tasks besides the worker: the scheduler and the tenant re-listing.

- the scheduler (``component.scheduler``) runs every organisation's periodic jobs unless
  ``--no-scheduler`` (``XERO_WA_SCHEDULER=false``);
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
    tasks = []
    if state.config.xero_wa_scheduler and state.scheduler is not None:
        tasks.append(asyncio.create_task(state.scheduler.run_forever(), name="xero-wa-scheduler"))
    if state.config.xero_wa_tenant_refresh_seconds > 0:
        tasks.append(asyncio.create_task(_relist_forever(state), name="xero-wa-tenants"))
    return tasks


async def stop(state: ServiceState, tasks: list[asyncio.Task[None]]) -> None:
    if state.scheduler is not None:
        state.scheduler.stop()
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _relist_forever(state: ServiceState) -> None:
    interval = state.config.xero_wa_tenant_refresh_seconds
    while True:
        await state.runtime.clock.sleep(interval)
        try:
            await refresh_all(state.runtime)
        except Exception:
            log.exception("tenant re-listing failed; trying again next interval")
