"""Fix hints name what the reader can do where they are (issue 10 item 9).

An HTTP API client was told to "pass --connection NAME", a command-line flag it has no use for;
the same errors on the command line keep naming the command and its flags.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import API_KEY, Service

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {API_KEY}"}
FLAGS = ("--connection", "--tenant", "--sandbox", "--whatsapp-connection", "--name")


def flags_in(error: dict[str, Any]) -> list[str]:
    text = error["message"] + str(error.get("details", {}).get("reconnect"))
    return [flag for flag in FLAGS if flag in text]


async def test_an_api_call_without_a_connection_is_told_what_to_send(service: Service) -> None:
    response = await service.client.post(
        "/v1/actions/getInvoice/invoke", json={"inputs": {"invoiceId": "x"}}, headers=AUTH
    )
    assert response.status_code == 424
    error = response.json()["error"]
    assert error["message"].startswith('no xero connection given. Fix: send "connection"')
    assert error["details"]["reconnect"] == (
        'send "connection": the name of a xero connection stored on the server (made with '
        "`xero-wa connect xero` or the web app's Connections page) or a connection object"
    )
    assert flags_in(error) == []


async def test_an_inline_oauth_connection_over_the_api_is_told_to_use_a_name(
    service: Service,
) -> None:
    connection = {"type": "xeroOAuth2", "clientId": "id", "clientSecret": "secret"}
    response = await service.client.post(
        "/v1/actions/getInvoice/invoke",
        json={"inputs": {"invoiceId": "x"}, "connection": connection},
        headers=AUTH,
    )
    assert response.status_code == 424
    error = response.json()["error"]
    assert error["details"]["reconnect"].endswith('then send "connection": "NAME"')
    assert flags_in(error) == ["--name"]  # the command that makes the connection, on the server


def test_the_command_line_keeps_its_flags_and_names_whatsapp(cli: Any) -> None:
    """A missing WhatsApp connection once suggested `xero-wa connect xero`."""
    result = cli("run", "sendWhatsAppText", "-i", "to=+919876543210", "-i", "body=hi")
    assert result.code == 4
    assert result.error["details"]["reconnect"] == (
        "run `xero-wa connect whatsapp`, pass --connection-value JSON, or use --sandbox"
    )


def test_a_bad_region_in_the_policy_is_named_as_the_policy_field(cli: Any, tmp_path: Any) -> None:
    """The policy's phones.defaultRegion was reported as the DEFAULT_PHONE_REGION variable."""
    policy = tmp_path / "reminders.yaml"
    policy.write_text(
        "stages:\n  - key: overdue_7\n    days: 7\n    template: payment_reminder\n"
        "phones:\n  defaultRegion: ZZ\n"
    )
    result = cli("remind", "--sandbox", "--dry-run", "--policy", str(policy))
    assert result.code == 2
    [problem] = result.error["details"]["fields"]
    assert problem["field"] == f"{policy}:6: phones.defaultRegion"
    assert "DEFAULT_PHONE_REGION" not in result.error["message"]
