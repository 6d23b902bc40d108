"""Fixtures for organisation tests.

- ``two_logins``: two stored Xero logins reaching three tenants (one reached by both), without
  a sandbox, for the organisations' own logic;
- ``make_multi``: the served product on the three-organisation sandbox (``tests/orgs/stack.py``);
  call it twice for two service processes on one store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from component.clock import FakeClock
from component.config import SANDBOX_BASE, Settings
from component.oauth.manage import save_whatsapp
from component.orgs.defaults import OrgDefaults
from component.orgs.view import Organisation, load_all
from component.runtime import Runtime
from component.sandbox.app import create_app as create_sandbox_app
from component.sandbox.faults import SandboxTransport
from component.sandbox.state import build_sandbox
from component.storage.tokens import TenantRef
from tests.connections.oauth_fixtures import store_connection
from tests.orgs.stack import MultiStack, sandbox_config, service_config
from tests.service.conftest import (  # noqa: F401 - shared fixtures, found by name
    LateApp,
    Service,
    ServiceFactory,
    api_settings,
    make_service,
)

INDIA = TenantRef("tenant-in", "Acme India", "conn-in")
NZ = TenantRef("tenant-nz", "Acme NZ", "conn-nz")
AU = TenantRef("tenant-au", "Acme AU", "conn-au")
DEFAULTS = OrgDefaults()


def whatsapp(runtime: Runtime, name: str, phone_id: str = "106540352242922") -> None:
    save_whatsapp(
        runtime,
        name,
        {"accessToken": "wa-token", "phoneNumberId": phone_id, "appSecret": f"secret-{name}"},
    )


def two_logins(runtime: Runtime) -> None:
    """``owner`` reaches India and NZ; ``bookkeeper`` reaches NZ and AU."""
    store_connection(runtime, "owner", tenants=(INDIA, NZ), tenant=INDIA)
    runtime.clock.advance(60)  # type: ignore[attr-defined]
    store_connection(runtime, "bookkeeper", access="AT1", tenants=(NZ, AU), tenant=NZ)


def orgs(runtime: Runtime) -> dict[str, Organisation]:
    return {o.row.name: o for o in load_all(runtime, DEFAULTS)}


@pytest.fixture
async def make_multi(
    make_service: ServiceFactory,  # noqa: F811 - the imported fixture, by name
    api_settings: Settings,  # noqa: F811
    clock: FakeClock,
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_multi()``: a service on the three-organisation sandbox; call it again for a
    second service process on the same store."""
    receiver = LateApp()
    config = sandbox_config()
    sandbox = build_sandbox(
        clock=clock, config=config, webhook_transport=httpx.ASGITransport(app=receiver)
    )
    app = create_sandbox_app(sandbox)
    browser = httpx.AsyncClient(transport=SandboxTransport(app=app), base_url=SANDBOX_BASE)

    async def make(**changes: Any) -> MultiStack:
        service: Service = await make_service(
            config=service_config(config, **changes),
            transport=SandboxTransport(app=app),
            settings=api_settings.for_sandbox(SANDBOX_BASE),
        )
        receiver.app = service.app
        return MultiStack(service, sandbox, browser, clock)

    yield make
    await browser.aclose()
    await sandbox.deliverer.aclose()
