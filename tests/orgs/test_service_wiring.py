"""What ``xero-wa serve`` runs besides requests: the scheduler only where the worker runs."""

from __future__ import annotations

import pytest

from component.runtime import Runtime
from component.service import background
from component.service.app import build_state
from tests.service.conftest import service_config

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"xero_wa_worker": True}, ["xero-wa-scheduler", "xero-wa-tenants"]),
        ({"xero_wa_worker": True, "xero_wa_scheduler": False}, ["xero-wa-tenants"]),
        ({"xero_wa_worker": True, "xero_wa_tenant_refresh_seconds": 0}, ["xero-wa-scheduler"]),
        ({"xero_wa_worker": False}, []),  # `serve --no-worker` only receives
    ],
)
async def test_the_scheduler_runs_where_the_worker_runs(
    runtime: Runtime, changes: dict[str, object], names: list[str]
) -> None:
    config = service_config(
        **{"xero_wa_scheduler": True, "xero_wa_tenant_refresh_seconds": 3600, **changes}
    )
    state = build_state(runtime, config, None, None)
    assert state.scheduler is not None
    state.scheduler.stop()  # the loop ends at its first check: nothing runs in this test
    tasks = background.start(state)
    try:
        assert sorted(t.get_name() for t in tasks) == names
    finally:
        await background.stop(state, tasks)
    assert all(t.done() for t in tasks)
