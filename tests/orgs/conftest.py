"""Stored connections for organisation tests: two Xero logins reaching three tenants."""

from __future__ import annotations

from component.oauth.manage import save_whatsapp
from component.orgs.defaults import OrgDefaults
from component.orgs.view import Organisation, load_all
from component.runtime import Runtime
from component.storage.tokens import TenantRef
from tests.connections.oauth_fixtures import store_connection
from tests.service.conftest import api_settings, make_service  # noqa: F401 - shared fixtures

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
