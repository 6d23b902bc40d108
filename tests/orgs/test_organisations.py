"""Organisations from stored connections: links, the chosen connection and why, health."""

from __future__ import annotations

import pytest

from component import errors
from component.oauth.access import token_repo
from component.orgs.act import organisation, xero_session
from component.orgs.find import find_org
from component.runtime import Runtime
from component.storage.organisations import TenantSeen
from tests.orgs.conftest import AU, DEFAULTS, INDIA, NZ, orgs, two_logins, whatsapp
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio


async def test_every_tenant_a_stored_connection_reaches_is_an_organisation(
    runtime: Runtime,
) -> None:
    two_logins(runtime)
    whatsapp(runtime, "wa")
    found = orgs(runtime)
    assert sorted(found) == ["Acme AU", "Acme India", "Acme NZ"]
    nz = found["Acme NZ"]
    assert sorted(link.connection for link in nz.links) == ["bookkeeper", "owner"]
    # both work: the most recently refreshed one is used, and the choice is explained
    assert nz.xero.name == "bookkeeper"
    assert nz.xero.why == "healthiest of bookkeeper, owner (most recently refreshed)"
    assert found["Acme India"].xero.name == "owner"
    assert found["Acme India"].xero.why == "the only connection that reaches it"
    # healthy but for the time zone, which the scheduler reads from Xero before the first slot
    assert {o.health for o in found.values()} == {"warning"}
    assert {p.code for o in found.values() for p in o.problems} == {"time_zone_unknown"}
    assert found["Acme AU"].whatsapp.name == "wa"


async def test_a_connection_needing_reauth_moves_the_shared_tenant_to_the_other(
    runtime: Runtime,
) -> None:
    two_logins(runtime)
    whatsapp(runtime, "wa")
    token_repo(runtime).mark_needs_reauth("bookkeeper", "invalid_grant", runtime.clock.now())
    found = orgs(runtime)
    assert found["Acme NZ"].xero.name == "owner"
    assert found["Acme NZ"].xero.why == (
        "healthiest of owner, bookkeeper (bookkeeper needs re-authorisation)"
    )
    au = found["Acme AU"]
    assert au.xero.name is None
    assert au.health == "error"
    (problem,) = [p for p in au.problems if p.severity == "error"]
    assert problem.message == (
        "every connection that reaches it needs re-authorisation (bookkeeper)"
    )
    assert problem.fix == "run `xero-wa connect xero --name bookkeeper`"
    assert found["Acme India"].health != "error"  # the others are not touched


async def test_sessions_are_aimed_at_the_organisations_tenant(runtime: Runtime) -> None:
    two_logins(runtime)
    whatsapp(runtime, "wa")
    au = await organisation(runtime, DEFAULTS, AU.tenant_id)
    session = await xero_session(runtime, au)
    assert (session.name, session.tenant_id) == ("bookkeeper", AU.tenant_id)
    india = await organisation(runtime, DEFAULTS, "TENANT-IN")  # ids match ignoring case
    assert (await xero_session(runtime, india)).name == "owner"
    with pytest.raises(errors.ConnectionError, match="no stored Xero connection reaches"):
        await organisation(runtime, DEFAULTS, "tenant-xx")


async def test_a_tenant_xero_stops_listing_is_marked_not_dropped(runtime: Runtime) -> None:
    two_logins(runtime)
    whatsapp(runtime, "wa")
    orgs(runtime)
    repo = runtime.store.organisations
    now = runtime.clock.now()
    result = repo.sync_links("owner", [TenantSeen(NZ.tenant_id, NZ.tenant_name)], now)
    assert result.disconnected == (INDIA.tenant_id,)
    (link,) = repo.links(INDIA.tenant_id)
    assert (link.state, link.disconnected_at is not None) == ("disconnected", True)
    # the connection's cached listing says the same (as after a fresh GET /connections)
    token_repo(runtime).set_tenants("owner", (NZ,), None, now)
    india = orgs(runtime)["Acme India"]  # still listed, with what happened and the fix
    assert india.health == "error"
    assert india.problems[0].message.startswith(
        "Xero stopped listing this organisation for connection 'owner' (disconnected at "
    )
    assert india.problems[0].fix == "run `xero-wa connect xero --name owner` and tick it again"
    # ticked again at Xero: active once more
    token_repo(runtime).set_tenants("owner", (INDIA, NZ), None, now)
    assert orgs(runtime)["Acme India"].links[0].state == "active"


async def test_several_whatsapp_connections_need_a_choice_per_organisation(
    runtime: Runtime,
) -> None:
    two_logins(runtime)
    whatsapp(runtime, "wa-main")
    whatsapp(runtime, "wa-nz", "106540352242923")
    nz = orgs(runtime)["Acme NZ"]
    assert nz.whatsapp.name is None
    problem = next(p for p in nz.problems if p.code == "whatsapp_connection")
    assert problem.message == (
        "several WhatsApp connections are stored (wa-main, wa-nz) and none is chosen for this "
        "organisation"
    )
    assert problem.fix == (
        'run `xero-wa orgs set "Acme NZ" --whatsapp-connection wa-main` (one of wa-main, wa-nz)'
    )


async def test_an_unknown_organisation_names_the_closest(runtime: Runtime) -> None:
    two_logins(runtime)
    found = list(orgs(runtime).values())
    assert find_org(found, "acme nz").tenant_id == NZ.tenant_id
    with pytest.raises(errors.InputError) as caught:
        find_org(found, "Acme NZZ")
    assert "no organisation named or with the id 'Acme NZZ'; closest: Acme NZ" in (
        caught.value.message
    )
    assert caught.value.details["suggestions"][0] == "Acme NZ"
