"""Rate limits against the sandbox, which enforces Xero's: 60 a minute, 5 in flight, a daily cap.

Client and sandbox share the test's FakeClock, so ``clock.slept`` is every wait the client made
and the sandbox's windows move with it. Nothing sleeps on the wall clock.
"""

from __future__ import annotations

import asyncio

import pytest

from component import errors
from component.clock import FakeClock
from component.executor import Executor
from component.runtime import Runtime
from component.sandbox.config import (
    DemoConfig,
    FaultsConfig,
    LimitsConfig,
    SandboxConfig,
    TenantSpec,
)
from tests.xero.sandboxed import MakeSandbox, Sandboxed

INVOICES = "/api.xro/2.0/Invoices"


def big_org(**extra: object) -> SandboxConfig:
    """One organisation with 5,000 invoices."""
    demo = DemoConfig(tenants=[TenantSpec(name="Priya Textiles", contacts=300, invoices=5000)])
    return SandboxConfig(demo=demo, **extra)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_fetch_all_of_5000_invoices_waits_exactly_as_retry_after_says(
    make_sandbox: MakeSandbox, clock: FakeClock
) -> None:
    faults = FaultsConfig(rate_limit_rate=0.5, seed=3, path_prefixes=[INVOICES])
    sb = make_sandbox(big_org(faults=faults))
    data = await sb.run("listInvoices", {"fetchAll": True})
    assert len({i["InvoiceID"] for i in data["Invoices"]}) == 5000
    refused = [a for a in sb.recording.answers if a.status == 429]
    assert refused, "the seed must inject at least one 429"
    assert {a.headers["X-Rate-Limit-Problem"] for a in refused} == {"minute"}
    assert clock.slept == [float(a.headers["Retry-After"]) for a in refused]
    served = [a for a in sb.recording.answers if a.status != 429]
    assert [a.status for a in served] == [200] * 5  # 1000 a page, no failed or extra call


@pytest.mark.anyio
async def test_a_minute_used_by_another_process_is_waited_out_without_a_429(
    make_sandbox: MakeSandbox, clock: FakeClock
) -> None:
    """Another process spends 58 of the tenant's 60 calls; X-MinLimit-Remaining tells our
    limiter, which waits for a new minute instead of running into Xero's 429."""
    sb = make_sandbox(big_org())
    other = Runtime(settings=sb.runtime.settings, clock=clock, transport=sb.sandbox.transport)
    try:
        for _ in range(58):
            await Executor(other).invoke("getOrganisation", {}, sb.connection)
        clock.advance(20)
        data = await sb.run("listInvoices", {"fetchAll": True})
    finally:
        await other.aclose()
    assert len(data["Invoices"]) == 5000
    assert [a.status for a in sb.recording.answers] == [200] * 5
    assert sum(clock.slept) >= 40  # the rest of the shared minute, at least


@pytest.mark.anyio
async def test_the_daily_limit_stops_the_fetch_and_says_when_it_resets(
    make_sandbox: MakeSandbox, clock: FakeClock
) -> None:
    sb = make_sandbox(big_org(limits=LimitsConfig(per_day=3)))
    with pytest.raises(errors.RateLimited) as info:
        await sb.run("listInvoices", {"fetchAll": True})
    assert "Xero's day rate limit for this organisation is used up" in info.value.message
    assert "it resets in 24 h (at 2026-07-15 09:30 UTC)" in info.value.message
    assert clock.slept == []
    calls = len(sb.recording.answers)
    with pytest.raises(errors.RateLimited):
        await sb.run("getOrganisation")
    assert len(sb.recording.answers) == calls  # failed fast, Xero was not asked again


@pytest.mark.anyio
async def test_never_more_than_five_calls_in_flight(
    make_sandbox: MakeSandbox, clock: FakeClock
) -> None:
    """Slow answers hold the sandbox's concurrency slots; twelve parallel reads never get a
    ``concurrent`` 429 because the client holds at most five in flight."""
    sb = make_sandbox(SandboxConfig(faults=FaultsConfig(slow_rate=1.0, slow_seconds=2.0)))
    ids = list(sb.org.invoices)[:12]
    results = await asyncio.gather(*(sb.run("getInvoice", {"invoiceId": i}) for i in ids))
    assert [r["Invoices"][0]["InvoiceID"] for r in results] == ids
    assert "concurrent" not in sb.sandbox.state.xero.limiter.refused
    assert all(a.status == 200 for a in sb.recording.answers)


@pytest.mark.anyio
async def test_5xx_and_resets_are_retried_and_a_write_is_made_once(
    make_sandbox: MakeSandbox, clock: FakeClock
) -> None:
    faults = FaultsConfig(error_503_rate=0.3, reset_rate=0.2, seed=11, path_prefixes=[INVOICES])
    sb: Sandboxed = make_sandbox(big_org(faults=faults))
    data = await sb.run("listInvoices", {"fetchAll": True})
    assert len(data["Invoices"]) == 5000
    contact = next(iter(sb.org.contacts))
    before = len(sb.org.invoices)
    created = await sb.run(
        "createInvoice",
        {
            "contactId": contact,
            "invoiceType": "ACCREC",
            "lineAmountTypes": "NoTax",
            "lineItems": "[]",
        },
    )
    assert len(sb.org.invoices) == before + 1
    assert created["Invoices"][0]["InvoiceID"] in sb.org.invoices
    assert sb.sandbox.state.faults.injected["503"] + sb.sandbox.state.faults.injected["reset"] > 0


@pytest.mark.anyio
async def test_a_create_whose_answer_was_lost_is_retried_without_a_duplicate(
    sandboxed: Sandboxed,
) -> None:
    """Xero created the invoice but the answer never arrived: the retry carries the same
    Idempotency-Key, so Xero answers with the invoice it already made instead of a second one."""
    contact = next(iter(sandboxed.org.contacts))
    before = len(sandboxed.org.invoices)
    sandboxed.recording.lose_write_answers = 1
    created = await sandboxed.run(
        "createInvoice",
        {
            "contactId": contact,
            "invoiceType": "ACCREC",
            "lineAmountTypes": "NoTax",
            "lineItems": "[]",
        },
    )
    assert len(sandboxed.org.invoices) == before + 1
    assert created["Invoices"][0]["InvoiceID"] in sandboxed.org.invoices
    writes = [a for a in sandboxed.recording.answers if a.method == "PUT"]
    assert len(writes) == 2  # the lost answer and the replay
