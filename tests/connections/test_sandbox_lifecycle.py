"""The whole token lifecycle against the sandbox's Xero identity (in process, shared FakeClock).

connect → call → expire → refresh → rotate; a 401 the local clock did not predict; a crash
between the token response and the commit, recovered through Xero's 30-minute grace; the same
crash recovered too late (``invalid_grant``); client credentials; disconnect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from component import errors
from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor
from component.oauth.access import token_repo
from component.oauth.manage import connect_client_credentials, disconnect
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.embedded import EmbeddedSandbox, embedded
from component.storage.tokens import TokenRecord, TokenRepo
from tests.connections.oauth_sandbox_support import APP_VALUES, NZ, authorise
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py): the
# token sets, their rotation and the crash's in-flight mark are stored state.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio


class SimulatedCrash(BaseException):
    """The process dies after Xero answered and before the commit."""


@pytest.fixture
def sandbox(settings: Settings, clock: FakeClock) -> EmbeddedSandbox:
    return embedded(settings, clock=clock)


@pytest.fixture
async def live(
    sandbox: EmbeddedSandbox, registry: Registry, clock: FakeClock
) -> AsyncIterator[Runtime]:
    runtime = Runtime(
        settings=sandbox.settings, registry=registry, clock=clock, transport=sandbox.transport
    )
    yield runtime
    await runtime.aclose()


def grants(sandbox: EmbeddedSandbox) -> dict[str, int]:
    counted: dict[str, int] = sandbox.state.stats()["token_grants"]
    return {k: v for k, v in counted.items() if k != "sandbox_mint"}


def record(runtime: Runtime, name: str = "acme") -> TokenRecord:
    found = token_repo(runtime).get(name)
    assert found is not None
    return found


async def organisation(runtime: Runtime, name: str = "acme") -> Any:
    result = await Executor(runtime).invoke("getOrganisation", {}, name)
    return result["data"]["Organisations"][0]["Name"]


async def test_connect_call_expire_refresh_rotate(
    live: Runtime, sandbox: EmbeddedSandbox, clock: FakeClock
) -> None:
    connected = await authorise(live)
    assert connected.tenant is not None
    assert connected.tenant.tenant_name == "Demo Company (NZ)"
    assert await organisation(live) == "Demo Company (NZ)"
    first = record(live)

    clock.advance(1800 - 59)  # inside the 60-second margin
    assert await organisation(live) == "Demo Company (NZ)"
    second = record(live)
    assert second.refresh_token not in (None, first.refresh_token)
    assert second.previous_refresh_token == first.refresh_token

    clock.advance(1800 + 120)  # past the rotated token's grace: only the stored new one works
    assert await organisation(live) == "Demo Company (NZ)"
    third = record(live)
    assert third.previous_refresh_token == second.refresh_token
    assert grants(sandbox) == {"authorization_code": 1, "refresh_token": 2}
    assert sandbox.state.stats()["token_failures"] == {}


async def test_a_401_the_local_clock_did_not_predict_refreshes_once(
    live: Runtime, sandbox: EmbeddedSandbox
) -> None:
    await authorise(live)
    sandbox.state.clock.advance(1801)  # only Xero's clock moves: the token looks fresh here
    assert await organisation(live) == "Demo Company (NZ)"
    assert grants(sandbox) == {"authorization_code": 1, "refresh_token": 1}
    responses = sandbox.state.stats()["responses"]
    assert responses["GET /api.xro/2.0/Organisation 401"] == 1


async def test_a_crash_between_token_response_and_commit_recovers_through_the_grace(
    live: Runtime,
    sandbox: EmbeddedSandbox,
    registry: Registry,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await authorise(live)
    before = record(live)
    clock.advance(1800)

    def crash(*args: object) -> bool:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr(TokenRepo, "finish_refresh", crash)
        with pytest.raises(SimulatedCrash):
            await organisation(live)
    assert grants(sandbox)["refresh_token"] == 1  # Xero rotated; we never stored the answer
    crashed = record(live)
    assert crashed.inflight is not None
    assert crashed.refresh_token == before.refresh_token

    restarted = Runtime(
        settings=live.settings, registry=registry, clock=clock, transport=sandbox.transport
    )
    try:
        clock.advance(600)  # ten minutes later: still inside the 30-minute grace
        assert await organisation(restarted) == "Demo Company (NZ)"
        recovered = record(restarted)
        assert recovered.inflight is None
        assert recovered.previous_refresh_token == before.refresh_token
        assert grants(sandbox)["refresh_token"] == 2
        assert sandbox.state.stats()["token_failures"] == {}

        clock.advance(3600)  # and the rotation chain continues from the recovered token
        assert await organisation(restarted) == "Demo Company (NZ)"
        assert grants(sandbox)["refresh_token"] == 3
    finally:
        await restarted.aclose()


async def test_recovering_after_the_grace_is_invalid_grant_and_asks_for_reconnection(
    live: Runtime, sandbox: EmbeddedSandbox, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await authorise(live)
    clock.advance(1800)

    def crash(*args: object) -> bool:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr(TokenRepo, "finish_refresh", crash)
        with pytest.raises(SimulatedCrash):
            await organisation(live)

    clock.advance(1860)  # 31 minutes: Xero no longer accepts the rotated-away token
    with pytest.raises(errors.ConnectionError) as caught:
        await organisation(live)
    message = caught.value.message
    assert "invalid_grant" in message
    assert "30-minute grace" in message
    assert message.endswith("Fix: run `xero-wa connect xero --name acme`")
    assert record(live).needs_reauth
    failures = sandbox.state.stats()["token_failures"]
    assert failures == {"refresh_token:invalid_grant": 1}

    for _ in range(3):  # no retry storm
        with pytest.raises(errors.ConnectionError, match="authorised again"):
            await organisation(live)
    assert sandbox.state.stats()["token_failures"] == failures

    await authorise(live)  # the fix the message names
    assert await organisation(live) == "Demo Company (NZ)"


async def test_client_credentials_get_a_new_token_on_expiry(
    live: Runtime, sandbox: EmbeddedSandbox, clock: FakeClock
) -> None:
    connected = await connect_client_credentials(live, "custom", APP_VALUES)
    assert connected.tenant is not None
    assert await organisation(live, "custom") == connected.tenant.tenant_name
    clock.advance(1800)
    assert await organisation(live, "custom") == connected.tenant.tenant_name
    assert grants(sandbox) == {"client_credentials": 2}


async def test_disconnect_removes_the_tenant_at_xero(
    live: Runtime, sandbox: EmbeddedSandbox
) -> None:
    await authorise(live, tenant=NZ)
    done = await disconnect(live, "acme")
    assert done["forgotten"] is True
    assert done["disconnectedTenant"] == tenant_id_of(sandbox, "Demo Company (NZ)")
    assert sandbox.state.stats()["calls"]["DELETE /connections/{id}"] == 1
    assert live.store.connections.names() == []


def tenant_id_of(sandbox: EmbeddedSandbox, name: str) -> str:
    return next(o.tenant_id for o in sandbox.state.xero.orgs.values() if o.name == name)
