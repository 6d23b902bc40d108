"""Polling triggers run by the service's scheduler (component/polling/jobs.py): each configured
trigger is a job run for every organisation that can work, once per slot, at the configured
interval, with the trigger's state per organisation; an unknown trigger name stops the start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor
from component.polling.jobs import PollJob, configured_jobs
from component.registry import Registry
from component.runtime import Runtime
from component.scheduler.engine import Scheduler
from component.scheduler.jobs import JobContext
from component.service.app import create_app
from component.service.connections import ServiceConnections
from tests.orgs.conftest import DEFAULTS, orgs, two_logins, whatsapp
from tests.service.conftest import service_config

pytestmark = pytest.mark.anyio
API = "https://api.xero.com/api.xro/2.0"


@pytest.fixture
async def org_runtime(
    settings: Settings, registry: Registry, clock: FakeClock
) -> AsyncIterator[Runtime]:
    rt = Runtime(settings=settings, registry=registry, clock=clock)
    two_logins(rt)
    whatsapp(rt, "wa")
    orgs(rt)
    yield rt
    await rt.aclose()


def contacts(asked: list[tuple[str, str]]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append((request.headers["Xero-tenant-Id"], request.headers["If-Modified-Since"]))
        body = {
            "pagination": {"page": 1, "pageSize": 1000, "pageCount": 0, "itemCount": 0},
            "Contacts": [],
        }
        return httpx.Response(200, json=body)

    return answer


async def test_each_organisation_is_polled_once_per_slot(
    org_runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    runtime = org_runtime
    asked: list[tuple[str, str]] = []
    httpx_mock.add_callback(
        contacts(asked),
        url=httpx.URL(
            f"{API}/Contacts", params={"includeArchived": "true", "page": "1", "pageSize": "1000"}
        ),
        is_reusable=True,
    )
    context = JobContext(
        runtime, Executor(runtime), ServiceConnections(runtime), service_config(), DEFAULTS
    )
    scheduler = Scheduler(context, [PollJob("newOrUpdatedContacts", 300)], owner="p")
    clock.set(datetime(2026, 7, 14, 9, 35, 5, tzinfo=UTC))  # the first slot after the orgs came
    fired = await scheduler.tick()
    assert sorted(f.tenant_id for f in fired if f.outcome == "ran") == [
        "tenant-au",
        "tenant-in",
        "tenant-nz",
    ]
    assert sorted(t for t, _ in asked) == ["tenant-au", "tenant-in", "tenant-nz"]
    for tenant in ("tenant-au", "tenant-in", "tenant-nz"):
        state = runtime.store.poll_state.get(tenant, "newOrUpdatedContacts")
        assert state is not None
        assert state.runs == 1  # the first run: the present recorded, nothing reported
    clock.advance(60)
    assert await scheduler.tick() == []  # the same slot runs once
    clock.advance(300)
    again = await scheduler.tick()
    assert len([f for f in again if f.outcome == "ran"]) == 3
    assert runtime.store.poll_state.get("tenant-in", "newOrUpdatedContacts").runs == 2  # type: ignore[union-attr]


async def test_configured_triggers_become_jobs_and_unknown_ones_are_refused(
    org_runtime: Runtime,
) -> None:
    runtime = org_runtime
    jobs = configured_jobs(
        runtime, " newOrUpdatedInvoices, invoiceOverdue,newOrUpdatedInvoices", 600
    )
    assert [j.name for j in jobs] == ["poll:newOrUpdatedInvoices", "poll:invoiceOverdue"]
    assert configured_jobs(runtime, "", 600) == []
    with pytest.raises(errors.InputError) as info:
        configured_jobs(runtime, "newOrUpdatedInvoice", 600)
    assert info.value.problems[0].field == "XERO_WA_POLL_TRIGGERS"
    assert "newOrUpdatedInvoices" in info.value.problems[0].reason


async def test_the_service_schedules_the_configured_triggers(org_runtime: Runtime) -> None:
    runtime = org_runtime
    app = create_app(runtime, service_config(xero_wa_poll_triggers="newOrUpdatedPayments"))
    names = [job.name for job in app.state.service.scheduler.jobs]
    assert "poll:newOrUpdatedPayments" in names
    assert names[0] == "reminders"
    plain = create_app(runtime, service_config())
    assert not any(
        n.startswith("poll:") for n in (j.name for j in plain.state.service.scheduler.jobs)
    )
