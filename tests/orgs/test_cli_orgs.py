"""``xero-wa orgs`` and ``xero-wa orgs set``: listing, changing, and refusing with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from component.clock import FakeClock
from component.config import get_settings
from component.orgs.view import load_all
from component.runtime import Runtime
from tests.cli_support import CliOutcome
from tests.orgs.conftest import DEFAULTS, two_logins, whatsapp

Cli = Callable[..., CliOutcome]


@pytest.fixture
def stored(cli_home: Path) -> Iterator[None]:
    """Two Xero logins reaching three tenants and two WhatsApp numbers, in the CLI's home."""
    runtime = Runtime(settings=get_settings(), clock=FakeClock())
    two_logins(runtime)
    whatsapp(runtime, "wa-main")
    whatsapp(runtime, "wa-nz", "106540352242923")
    asyncio.run(runtime.aclose())
    return


@pytest.mark.usefixtures("stored")
def test_orgs_json_lists_every_tenant_with_its_connections_jobs_and_schedule(cli: Cli) -> None:
    result = cli("orgs", "--json")
    assert result.code == 0, result.err
    found = {o["name"]: o for o in result.json}
    assert sorted(found) == ["Acme AU", "Acme India", "Acme NZ"]
    nz = found["Acme NZ"]
    assert {k: nz[k] for k in ("tenantId", "xeroConnection", "whatsappConnection")} == {
        "tenantId": "tenant-nz",
        "xeroConnection": "bookkeeper",
        "whatsappConnection": None,  # two stored, none chosen
    }
    assert nz["jobs"] == {"reminders": True, "invoiceAlerts": True, "paymentThanks": False}
    assert nz["schedule"] == {
        "at": "10:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "timeZone": None,
    }
    assert nz["nextRun"] is None  # no WhatsApp connection chosen, zone not read yet
    assert nz["health"] == "error"
    assert [p["code"] for p in nz["problems"]] == ["whatsapp_connection", "time_zone_unknown"]


@pytest.mark.usefixtures("stored")
def test_orgs_set_changes_one_organisation_by_name(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "orgs",
        "set",
        "acme nz",
        "--whatsapp-connection",
        "wa-nz",
        "--remind-at",
        "11:30",
        "--days",
        "tue,mon",
        "--payment-thanks",
        "on",
        "--invoice-alerts",
        "off",
        "--xero-connection",
        "owner",
        "--owner-phone",
        "+64 21 555 0100",
    )
    assert result.code == 0, result.err
    data = result.json["data"]
    assert data["whatsappConnection"] == "wa-nz"
    assert data["xeroConnection"] == "owner"
    assert data["xeroConnectionWhy"] == "pinned with `orgs set --xero-connection owner`"
    assert data["schedule"]["at"] == "11:30"
    assert data["schedule"]["days"] == ["mon", "tue"]
    assert data["jobs"] == {"reminders": True, "invoiceAlerts": False, "paymentThanks": True}
    assert data["ownerPhone"] == "+64215550100"
    others = {o["name"]: o for o in cli("orgs", "--json").json}
    assert others["Acme AU"]["schedule"]["at"] == "10:00"  # only NZ changed


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("flags", "field", "reason"),
    [
        (
            ("--days", "mon,sat"),
            "--days",
            "schedule refused: sat is not a business day in the reminder policy "
            "(business days: mon, tue, wed, thu, fri): nothing would be sent",
        ),
        (
            ("--remind-at", "21:15"),
            "--remind-at",
            "schedule refused: 21:15 is inside the policy's quiet hours (20:00–09:00): "
            "nothing would be sent",
        ),
        (("--remind-at", "25:00"), "--remind-at", "'25:00' is not a time of day (HH:MM)"),
        (("--days", "funday"), "--days", "fun: expected days among mon, tue, wed"),
    ],
)
def test_a_schedule_that_cannot_work_is_refused_with_the_reason(
    cli: Cli, flags: tuple[str, ...], field: str, reason: str
) -> None:
    result = cli("orgs", "set", "Acme AU", *flags)
    assert result.code == 2
    (problem,) = result.error["details"]["fields"]
    assert problem["field"] == field
    assert problem["reason"].startswith(reason)
    assert cli("orgs", "--json").json[0]["schedule"]["at"] == "10:00"  # nothing was written


@pytest.mark.usefixtures("stored")
def test_unknown_names_get_the_closest_matches(cli: Cli) -> None:
    result = cli("orgs", "set", "Acme NZZ", "--reminders", "off")
    assert result.code == 2
    assert "closest: Acme NZ" in result.error["message"]
    result = cli("orgs", "set", "Acme NZ", "--whatsapp-connection", "wa-nzz")
    assert result.code == 2
    assert (
        "no WhatsApp connection named or with the id 'wa-nzz'; closest: wa-nz"
        in (result.error["message"])
    )
    result = cli("orgs", "set", "Acme AU", "--xero-connection", "owner")
    assert result.code == 2  # owner does not reach AU
    assert "closest: bookkeeper" not in result.error["message"]
    assert "no Xero connection reaching this organisation named" in result.error["message"]


@pytest.mark.usefixtures("stored")
def test_an_invalid_policy_file_is_refused_naming_file_and_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nstages:\n  - key: overdue_1\n    days: one\n")
    result = cli("orgs", "set", "Acme AU", "--policy", str(bad))
    assert result.code == 2
    assert f"{bad}:4: stages.0.days" in result.error["message"]


@pytest.mark.usefixtures("stored")
def test_a_policy_file_broken_later_stops_only_that_organisations_reminders(
    cli: Cli, tmp_path: Path
) -> None:
    policy = tmp_path / "reminders.yaml"
    from component.reminders.policy import DEFAULT_POLICY_PATH

    policy.write_text(DEFAULT_POLICY_PATH.read_text())
    assert cli("orgs", "set", "Acme AU", "--policy", str(policy)).code == 0
    policy.write_text(policy.read_text().replace("quietHours:", "quietHour:"))
    found = {o["name"]: o for o in cli("orgs", "--json").json}
    au = found["Acme AU"]
    assert au["health"] == "error"
    assert au["policy"]["valid"] is False
    (problem,) = [p for p in au["problems"] if p["code"] == "policy_invalid"]
    assert "its reminders are stopped" in problem["message"]
    assert "quietHour" in problem["message"]
    assert found["Acme India"]["policy"] == {
        "source": "default",
        "where": str(DEFAULT_POLICY_PATH),
        "valid": True,
    }
    assert all(p["code"] != "policy_invalid" for p in found["Acme India"]["problems"])


def test_run_acts_for_the_organisation_named_by_tenant(cli: Cli, httpx_mock: HTTPXMock) -> None:
    """``xero-wa run KEY --tenant NAME|ID``: the call goes with the token of the connection that
    reaches the organisation (NZ is reached by both logins: the one ``orgs`` names)."""
    # Tokens issued "now" for the CLI's own clock (valid 30 minutes): no refresh is needed.
    runtime = Runtime(settings=get_settings(), clock=FakeClock(datetime.now(UTC)))
    two_logins(runtime)
    nz = {o.row.name: o for o in load_all(runtime, DEFAULTS)}["Acme NZ"].xero
    assert nz is not None
    tokens = {"owner": "AT0", "bookkeeper": "AT1"}
    asyncio.run(runtime.aclose())
    for tenant, token in (("tenant-au", "AT1"), ("tenant-nz", tokens[nz.name])):
        httpx_mock.add_response(
            url="https://api.xero.com/api.xro/2.0/Organisation",
            match_headers={"Xero-tenant-Id": tenant, "Authorization": f"Bearer {token}"},
            json={"Organisations": [{"Name": tenant}]},
        )
    by_name = cli("run", "getOrganisation", "--tenant", "Acme AU")
    assert by_name.code == 0, by_name.err
    assert by_name.json["data"]["Organisations"][0]["Name"] == "tenant-au"
    by_id = cli("run", "getOrganisation", "--tenant", "tenant-nz")
    assert by_id.code == 0, by_id.err
    assert by_id.json["data"]["Organisations"][0]["Name"] == "tenant-nz"
    unknown = cli("run", "getOrganisation", "--tenant", "Acme UK")
    assert unknown.code == 2
    assert "closest" in unknown.error["message"]
    assert "Acme AU" in unknown.error["message"]
    several = cli("run", "getOrganisation")
    assert several.code != 0
    assert "--tenant" in several.error["message"]
    assert len(httpx_mock.get_requests()) == 2  # nothing was called for the refused ones
