"""The sandbox speaks 2026: business-scoped user ids, usernames without phone numbers, sends to a
BSUID, the two system messages and button replies, each checked against the published schema
plus the documented 2026 overlay (``tests/sandbox/wa_contract.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from component.clock import FakeClock
from component.sandbox.whatsapp import StatusTiming, WhatsAppConfig
from component.sandbox.whatsapp.config import UserConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone
from tests.sandbox.wa_contract import SPEC, Contract, load_contract

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason=f"official WhatsApp OpenAPI file not present at {SPEC}"
)

PHONE_ID = "106540352242922"
URL = f"/v23.0/{PHONE_ID}/messages"
CONTROL = "/_sandbox/whatsapp"
PRIYA = "+919820012345"  # keeps her number visible
ASHA = "+919820054321"  # adopted a username and hides her number


@pytest.fixture(scope="module")
def published() -> Contract:
    return load_contract()


@pytest.fixture(scope="module")
def current() -> Contract:
    return load_contract(overlay=True)


@pytest.fixture
def box(clock: FakeClock) -> Standalone:
    users = [UserConfig(phone=ASHA, name="Asha", username="asha.traders", hides_phone=True)]
    config = WhatsAppConfig(users=users, status_timing=StatusTiming(read_probability=1.0))
    return standalone(clock, config)


def value(hook: Any) -> dict[str, Any]:
    payload = hook.json()
    return dict(payload["entry"][0]["changes"][0]["value"])


def text(**target: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **target,
        "type": "text",
        "text": {"body": "Thanks, noted."},
    }


async def users(box: Standalone) -> dict[str, dict[str, Any]]:
    async with box.client() as client:
        listing = (await client.get(f"{CONTROL}/users")).json()["users"]
    return {u["phone"]: u for u in listing}


@pytest.mark.anyio
async def test_a_username_only_message_has_no_phone_anywhere(
    box: Standalone, published: Contract, current: Contract
) -> None:
    async with box.client() as client:
        record = await client.post(f"{CONTROL}/inbound", json={"from": ASHA, "text": "STOP"})
    await box.world.advance(0)
    [hook] = box.recorder.received
    got = value(hook)
    bsuid = record.json()["user_id"]
    assert got["contacts"] == [
        {"profile": {"name": "Asha", "username": "asha.traders"}, "user_id": bsuid}
    ]
    [message] = got["messages"]
    assert "from" not in message
    assert message["from_user_id"] == bsuid
    assert "9820054321" not in hook.body.decode()
    current.schema("WebhookPayload", hook.json())
    current.schema("IncomingMessageValueGeneral", got)
    with pytest.raises(AssertionError, match="from"):  # why the overlay exists
        published.schema("IncomingMessageValueGeneral", got)


@pytest.mark.anyio
async def test_the_phone_reappears_once_the_business_messages_the_number(
    box: Standalone, current: Contract
) -> None:
    async with box.client() as client:
        await client.post(f"{CONTROL}/inbound", json={"from": ASHA, "text": "hello"})
        assert (await client.post(URL, json=text(to=ASHA))).status_code == 200
        await client.post(f"{CONTROL}/inbound", json={"from": ASHA, "text": "again"})
    await box.world.advance(60)
    inbound = [value(h) for h in box.recorder.received if "messages" in value(h)]
    assert "from" not in inbound[0]["messages"][0]
    assert inbound[1]["messages"][0]["from"] == "919820054321"  # Meta's contact book
    assert inbound[1]["contacts"][0]["wa_id"] == "919820054321"


@pytest.mark.anyio
async def test_statuses_carry_recipient_user_id_and_username_on_delivered_and_read(
    box: Standalone, published: Contract, current: Contract
) -> None:
    async with box.client() as client:
        await client.post(f"{CONTROL}/inbound", json={"from": PRIYA, "text": "hi"})
        await client.post(URL, json=text(to=PRIYA))
    await box.world.advance(60)
    bsuid = (await users(box))[PRIYA]["user_id"]
    statuses = [value(h) for h in box.recorder.received if "statuses" in value(h)]
    assert [v["statuses"][0]["status"] for v in statuses] == ["sent", "delivered", "read"]
    for got in statuses:
        [status] = got["statuses"]
        assert status["recipient_id"] == "919820012345"
        assert status["recipient_user_id"] == bsuid
        assert got["contacts"][0]["user_id"] == bsuid
        published.schema("StatusMessageValue", got)  # a phone is there: the published schema
        current.schema("StatusMessageValue", got)
    assert "profile" not in statuses[0]["contacts"][0]
    assert statuses[2]["contacts"][0]["profile"] == {"name": "Customer"}


@pytest.mark.anyio
async def test_a_send_to_a_bsuid_uses_the_recipient_field(
    box: Standalone, current: Contract
) -> None:
    bsuid = (await users(box))[ASHA]["user_id"]
    async with box.client() as client:
        await client.post(f"{CONTROL}/inbound", json={"user_id": bsuid, "text": "hi"})
        response = await client.post(URL, json=text(recipient=bsuid))
    assert response.status_code == 200, response.text
    assert response.json()["contacts"] == [{"input": bsuid, "user_id": bsuid}]
    current.schema("Message", text(to=PRIYA))  # the published Message schema still needs `to`
    await box.world.advance(60)
    statuses = [value(h)["statuses"][0] for h in box.recorder.received if "statuses" in value(h)]
    assert statuses
    assert all(s["recipient_user_id"] == bsuid for s in statuses)
    assert all("recipient_id" not in s for s in statuses)  # sent by id: the number stays hidden
    for hook in box.recorder.received:
        current.schema("WebhookPayload", hook.json())


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (text(recipient="9820054321"), 100),  # not a BSUID
        (text(recipient="IN.0000000000000001"), 131026),  # nobody has it
    ],
)
async def test_bad_bsuid_recipients_are_refused(
    box: Standalone, body: dict[str, Any], code: int
) -> None:
    async with box.client() as client:
        response = await client.post(URL, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.anyio
async def test_to_takes_precedence_over_recipient(box: Standalone) -> None:
    bsuid = (await users(box))[ASHA]["user_id"]
    async with box.client() as client:
        await client.post(f"{CONTROL}/inbound", json={"from": PRIYA, "text": "hi"})
        response = await client.post(URL, json=text(to=PRIYA, recipient=bsuid))
    assert response.json()["contacts"] == [{"input": PRIYA, "wa_id": "919820012345"}]


@pytest.mark.anyio
async def test_number_and_id_changes_arrive_as_system_messages(
    box: Standalone, published: Contract, current: Contract
) -> None:
    async with box.client() as client:
        await client.post(f"{CONTROL}/users", json={"phone": PRIYA})
    before = (await users(box))[PRIYA]["user_id"]
    async with box.client() as client:
        changed = await client.post(
            f"{CONTROL}/users/change-number", json={"from": PRIYA, "new_phone": "+919820099999"}
        )
        after = changed.json()["system"]["user_id"]
        regenerated = await client.post(f"{CONTROL}/users/change-user-id", json={"user_id": after})
    await box.world.advance(0)
    number, user_id = (value(h) for h in box.recorder.received)
    assert "contacts" not in number
    assert "contacts" not in user_id
    [msg] = number["messages"]
    assert msg["from"] == "919820012345"
    assert msg["system"] == {
        "body": "User Customer changed from 919820012345 to 919820099999",
        "type": "user_changed_number",
        "wa_id": "919820099999",
        "user_id": after,
        "previous_user_id": before,
    }
    assert after != before
    [msg] = user_id["messages"]
    assert "from" not in msg
    assert msg["system"]["previous_user_id"] == after
    assert msg["system"]["user_id"] == regenerated.json()["system"]["user_id"] != after
    assert "9198" not in str(msg)
    for got in (number, user_id):
        current.schema("IncomingMessageValueSystem", got)
    published.schema("IncomingMessageValueSystem", number)  # the number change keeps its shape


@pytest.mark.anyio
async def test_button_taps_and_interactive_replies(box: Standalone, current: Contract) -> None:
    async with box.client() as client:
        tap = {"text": "Paid already", "payload": "XWA_PAID"}
        first = await client.post(
            f"{CONTROL}/inbound", json={"from": ASHA, "button": tap, "context_id": "wamid.X"}
        )
        reply = {"id": "XWA_LATER", "title": "Need more time"}
        await client.post(
            f"{CONTROL}/inbound", json={"from": PRIYA, "interactive": reply, "context_id": "w.Y"}
        )
        bad = await client.post(f"{CONTROL}/inbound", json={"from": PRIYA, "button": {"x": 1}})
    assert first.json()["text"] == "Paid already"
    assert bad.status_code == 400
    await box.world.advance(0)
    button, interactive = (value(h)["messages"][0] for h in box.recorder.received)
    assert button["type"] == "button"
    assert button["button"] == {"payload": "XWA_PAID", "text": "Paid already"}
    assert button["context"] == {"from": "912261500000", "id": "wamid.X"}
    assert interactive["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "XWA_LATER", "title": "Need more time"},
    }
    for hook in box.recorder.received:
        current.schema("WebhookPayload", hook.json())


@pytest.mark.anyio
async def test_free_form_text_outside_the_window_fails_with_131047(box: Standalone) -> None:
    async with box.client() as client:
        await client.post(URL, json=text(to=PRIYA))
    await box.world.advance(60)
    failed = [value(h)["statuses"][0] for h in box.recorder.received if "statuses" in value(h)]
    assert [s["status"] for s in failed] == ["failed"]
    assert failed[0]["errors"][0]["code"] == 131047
