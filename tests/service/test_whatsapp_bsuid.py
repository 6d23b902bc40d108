"""BSUIDs through the served webhook: the store learns phone ↔ user id from the sandbox's own
webhooks, a STOP that carries only a user id opts out the right number, and number or id changes
keep the opt-out. Bad identities are ignored with a 200, never an opt-out of someone else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.service.conftest import APP_SECRET, Service, Stack, whatsapp_headers
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py): the
# phone <-> user id links and the opt-outs they find are stored state.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio

ASHA = "+919820054321"
PRIYA = "+919820012345"


async def remind(stack: Stack, to: str) -> None:
    """What a reminder run does on the wire: a template to the customer's number."""
    cfg = stack.sandbox.config.whatsapp
    money = {"fallback_value": "₹500.00", "code": "INR", "amount_1000": 500000}
    body = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": "payment_reminder_multi",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Asha"},
                        {"type": "text", "text": "2"},
                        {"type": "currency", "currency": money},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
                },
            ],
        },
    }
    response = await stack.sandbox_client.post(
        f"/v23.0/{cfg.phone_number_id}/messages",
        json=body,
        headers={"Authorization": f"Bearer {cfg.access_token}"},
    )
    assert response.status_code == 200, response.text
    stack.clock.advance(60)
    await stack.deliver()


async def test_a_username_only_stop_opts_out_the_number_we_remind(stack: Stack) -> None:
    asha = await stack.control(
        "/whatsapp/users", {"phone": ASHA, "username": "asha.traders", "hides_phone": True}
    )
    await remind(stack, ASHA)  # its statuses carry recipient_id + recipient_user_id
    identities = stack.service.runtime.store.identities
    assert identities.phone_for(asha["user_id"]) == ASHA
    await stack.control("/whatsapp/users/forget-phone", {"from": ASHA})  # contact book lapsed
    sent = await stack.control("/whatsapp/inbound", {"user_id": asha["user_id"], "text": "STOP"})
    assert "919820054321" not in json.dumps(sent["payload"])  # Meta showed no number
    await stack.deliver()
    optouts = stack.service.runtime.store.optouts
    assert optouts.is_opted_out(stack.tenant, None, ASHA) is not None  # the next run skips her
    assert optouts.is_opted_out(stack.tenant, None, PRIYA) is None  # nobody else
    assert identities.get(asha["user_id"]).username == "asha.traders"  # type: ignore[union-attr]


async def test_a_stop_from_an_unknown_id_matches_the_number_once_meta_links_them(
    stack: Stack,
) -> None:
    asha = await stack.control(
        "/whatsapp/users", {"phone": ASHA, "username": "asha.traders", "hides_phone": True}
    )
    await stack.control("/whatsapp/inbound", {"user_id": asha["user_id"], "text": "stop"})
    await stack.deliver()
    optouts = stack.service.runtime.store.optouts
    assert optouts.is_opted_out(stack.tenant, None, ASHA) is None  # no number known yet
    await remind(stack, ASHA)  # a status links the id to the number
    assert optouts.is_opted_out(stack.tenant, None, ASHA) is not None
    await stack.control("/whatsapp/inbound", {"user_id": asha["user_id"], "text": "START"})
    await stack.deliver()
    assert optouts.is_opted_out(stack.tenant, None, ASHA) is None


async def test_a_number_change_keeps_the_opt_out(stack: Stack) -> None:
    await stack.control("/whatsapp/inbound", {"from": PRIYA, "text": "STOP"})
    await stack.control(
        "/whatsapp/users/change-number", {"from": PRIYA, "new_phone": "+919820099999"}
    )
    await stack.deliver()
    optouts = stack.service.runtime.store.optouts
    assert optouts.is_opted_out(stack.tenant, None, "+919820099999") is not None


async def test_an_id_change_keeps_a_username_only_opt_out(stack: Stack) -> None:
    asha = await stack.control(
        "/whatsapp/users", {"phone": ASHA, "username": "asha.traders", "hides_phone": True}
    )
    await stack.control("/whatsapp/inbound", {"user_id": asha["user_id"], "text": "STOP"})
    changed = await stack.control("/whatsapp/users/change-user-id", {"user_id": asha["user_id"]})
    await stack.deliver()
    new_id = changed["system"]["user_id"]
    await remind(stack, ASHA)  # Meta links the NEW id to the number
    store = stack.service.runtime.store
    assert store.identities.phone_for(asha["user_id"]) == ASHA
    assert store.optouts.is_opted_out(stack.tenant, None, ASHA) is not None
    assert new_id != asha["user_id"]


def _delivery(messages: list[dict[str, Any]], contacts: list[dict[str, Any]]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "912261500000", "phone_number_id": "106540352242922"},
        "contacts": contacts,
        "messages": messages,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "419561257915477", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("messages", "contacts"),
    [
        ([{"id": "w1", "timestamp": "1", "type": "text", "text": {"body": "STOP"}}], []),
        ([{"id": "w2", "timestamp": "1", "type": "system", "system": {"type": "x"}}], []),
        ([{"id": "w3", "timestamp": "1", "type": "system", "system": "junk"}], []),
        (
            [
                {
                    "id": "w4",
                    "timestamp": "1",
                    "type": "system",
                    "system": {"type": "user_changed_user_id"},
                }
            ],
            [],
        ),
        ([{"from_user_id": 5, "id": "w5", "type": "text", "text": {"body": "STOP"}}], [{"x": 1}]),
    ],
    ids=["stop-from-nobody", "unknown-system", "junk-system", "change-without-ids", "bad-id"],
)
async def test_identity_junk_is_ignored_with_a_200(
    service: Service, messages: list[dict[str, Any]], contacts: list[dict[str, Any]]
) -> None:
    body = _delivery(messages, contacts)
    response = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=whatsapp_headers(body, APP_SECRET)
    )
    assert response.status_code == 200
    assert service.runtime.store.optouts.all() == []
