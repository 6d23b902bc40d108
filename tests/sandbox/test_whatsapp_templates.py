"""Template sends checked like Meta (132001/132000/132012/132018/131008/100) and the listing."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.whatsapp import TemplateConfig, WhatsAppConfig, default_templates
from component.sandbox.whatsapp.standalone import Standalone, standalone

PHONE_ID = "106540352242922"
WABA_ID = "419561257915477"
URL = f"/v23.0/{PHONE_ID}/messages"

TEXT = {"type": "text", "text": "Priya Textiles"}
CURRENCY = {
    "type": "currency",
    "currency": {"fallback_value": "₹48,500.00", "code": "INR", "amount_1000": 48500000},
}
DATE = {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}}
HEADER = {
    "type": "header",
    "parameters": [{"type": "document", "document": {"link": "https://x.test/INV-0142.pdf"}}],
}
BUTTON = {
    "type": "button",
    "sub_type": "url",
    "index": "0",
    "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
}


def send_body(name: str, language: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": "+919820012345",
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }


def reminder_components() -> list[dict[str, Any]]:
    body = {
        "type": "body",
        "parameters": [TEXT, {"type": "text", "text": "INV-0142"}, CURRENCY, DATE, TEXT],
    }
    return copy.deepcopy([HEADER, body, BUTTON])


def received(
    name: str = "Priya Textiles", amount: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    amount = amount or CURRENCY
    return [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": name, "parameter_name": "party_name"},
                {**amount, "parameter_name": "amount"},
                {"type": "text", "text": "INV-0142", "parameter_name": "invoice_number"},
            ],
        }
    ]


async def post(box: Standalone, body: dict[str, Any]) -> httpx.Response:
    async with box.client() as client:
        return await client.post(URL, json=body)


def code_of(response: httpx.Response) -> int:
    assert response.status_code != 500
    return int(response.json()["error"]["code"]) if response.status_code != 200 else 200


@pytest.fixture
def box(clock: FakeClock) -> Standalone:
    return standalone(clock)


@pytest.mark.anyio
@pytest.mark.parametrize("language", ["en", "en_US"])
async def test_every_default_language_is_accepted(box: Standalone, language: str) -> None:
    response = await post(box, send_body("payment_reminder_pdf", language, reminder_components()))
    assert response.status_code == 200
    [message] = box.world.message_list()
    assert message["template"]["rendered_body"].startswith("Hello Priya Textiles, invoice INV-0142")
    assert [p["name"] for p in message["parameters"]] == [
        "party_name",
        "invoice_number",
        "amount",
        "due_date",
        "days_overdue",
    ]
    assert message["template"]["button_suffix"] == "iNv0142aBcD"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "language"),
    [("no_such_template", "en"), ("payment_reminder", "ta"), ("payment_reminder_v2", "en")],
)
async def test_missing_wrong_language_or_pending_template_is_132001(
    box: Standalone, name: str, language: str
) -> None:
    response = await post(box, send_body(name, language, reminder_components()))
    assert code_of(response) == 132001
    assert name in response.json()["error"]["error_data"]["details"]


@pytest.mark.anyio
async def test_rejected_template_is_132001(clock: FakeClock) -> None:
    rejected = TemplateConfig(name="old_notice", status="REJECTED", body_text="Hello")
    box = standalone(clock, WhatsAppConfig(templates=[*default_templates(), rejected]))
    assert code_of(await post(box, send_body("old_notice", "en", []))) == 132001


@pytest.mark.anyio
@pytest.mark.parametrize("count", [0, 4, 6])
async def test_body_parameter_count_mismatch_is_132000(box: Standalone, count: int) -> None:
    components = reminder_components()
    components[1]["parameters"] = [TEXT] * count
    response = await post(box, send_body("payment_reminder_pdf", "en", components))
    assert code_of(response) == 132000


@pytest.mark.anyio
async def test_missing_body_component_is_132000(box: Standalone) -> None:
    components = [HEADER, BUTTON]
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 132000


@pytest.mark.anyio
@pytest.mark.parametrize(
    "currency",
    [
        {"fallback_value": "₹48,500.00", "code": "INR"},
        {"fallback_value": "₹48,500.00", "code": "INR", "amount_1000": 48500.0},
        {"fallback_value": "₹48,500.00", "code": "INR", "amount_1000": "48500000"},
        {"fallback_value": "₹48,500.00", "code": "rupees", "amount_1000": 48500000},
        {"code": "INR", "amount_1000": 48500000},
        {"fallback_value": "", "code": "INR", "amount_1000": 48500000},
    ],
)
async def test_malformed_currency_is_132012(box: Standalone, currency: dict[str, Any]) -> None:
    components = reminder_components()
    components[1]["parameters"][2] = {"type": "currency", "currency": currency}
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 132012


@pytest.mark.anyio
@pytest.mark.parametrize("date_time", [{}, {"timestamp": 1783000000}, "7 July 2026"])
async def test_date_time_without_fallback_value_is_132012(box: Standalone, date_time: Any) -> None:
    components = reminder_components()
    components[1]["parameters"][3] = {"type": "date_time", "date_time": date_time}
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 132012


@pytest.mark.anyio
async def test_untyped_slots_accept_any_parameter_type_like_meta(box: Standalone) -> None:
    components = reminder_components()
    components[1]["parameters"][2] = {"type": "text", "text": "₹48,500.00"}
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 200


@pytest.mark.anyio
@pytest.mark.parametrize(
    "header",
    [
        None,
        {"type": "header", "parameters": []},
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
        {"type": "header", "parameters": [{"type": "text", "text": "INV-0142"}]},
    ],
)
async def test_header_format_mismatch_is_132012(box: Standalone, header: Any) -> None:
    components = reminder_components()
    components = [c for c in components if c["type"] != "header"]
    if header is not None:
        components.insert(0, header)
    response = await post(box, send_body("payment_reminder_pdf", "en", components))
    assert code_of(response) == 132012
    assert "expected DOCUMENT" in response.json()["error"]["error_data"]["details"]


@pytest.mark.anyio
async def test_header_sent_to_a_template_without_one_is_132000(box: Standalone) -> None:
    body = {"type": "body", "parameters": [TEXT, {"type": "text", "text": "3"}, CURRENCY]}
    response = await post(box, send_body("payment_reminder_multi", "en", [HEADER, body]))
    assert code_of(response) == 132000


@pytest.mark.anyio
@pytest.mark.parametrize("bad", ["Priya\nTextiles", "tab\there", "five     spaces"])
async def test_text_parameter_with_newline_tab_or_five_spaces_is_132018(
    box: Standalone, bad: str
) -> None:
    components = reminder_components()
    components[1]["parameters"][0] = {"type": "text", "text": bad}
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 132018


@pytest.mark.anyio
@pytest.mark.parametrize(
    "buttons",
    [
        [],
        [{"type": "button", "sub_type": "url", "index": "0", "parameters": []}],
        [{"type": "button", "sub_type": "url", "index": 0, "parameters": [{"type": "payload"}]}],
    ],
)
async def test_dynamic_url_button_without_suffix_is_131008(
    box: Standalone, buttons: list[dict[str, Any]]
) -> None:
    components = [c for c in reminder_components() if c["type"] != "button"] + buttons
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 131008


@pytest.mark.anyio
async def test_integer_button_index_is_accepted(box: Standalone) -> None:
    components = reminder_components()
    components[2]["index"] = 0
    assert code_of(await post(box, send_body("payment_reminder_pdf", "en", components))) == 200


@pytest.mark.anyio
async def test_button_on_a_template_without_one_is_100(box: Standalone) -> None:
    named = [
        {**TEXT, "parameter_name": "party_name"},
        {**CURRENCY, "parameter_name": "amount"},
        {"type": "text", "text": "INV-0142", "parameter_name": "invoice_number"},
    ]
    body = {"type": "body", "parameters": named}
    response = await post(box, send_body("payment_received", "en", [body, BUTTON]))
    assert code_of(response) == 100


@pytest.mark.anyio
async def test_named_template_renders_by_name_in_any_order(box: Standalone) -> None:
    components = received()
    components[0]["parameters"].reverse()
    response = await post(box, send_body("payment_received", "en_US", components))
    assert response.status_code == 200
    [message] = box.world.message_list()
    assert message["template"]["rendered_body"] == (
        "Thank you Priya Textiles: we received ₹48,500.00 for invoice INV-0142. "
        "We appreciate your prompt payment."
    )


@pytest.mark.anyio
async def test_named_template_requires_parameter_name(box: Standalone) -> None:
    components = received()
    del components[0]["parameters"][1]["parameter_name"]
    response = await post(box, send_body("payment_received", "en", components))
    assert code_of(response) == 100
    assert "Parameter name" in response.json()["error"]["error_data"]["details"]


@pytest.mark.anyio
@pytest.mark.parametrize("wrong", ["customer", "party_name"])
async def test_named_template_rejects_unknown_or_repeated_names(
    box: Standalone, wrong: str
) -> None:
    components = received()
    components[0]["parameters"][2]["parameter_name"] = wrong
    assert code_of(await post(box, send_body("payment_received", "en", components))) == 100


@pytest.mark.anyio
async def test_template_listing_has_metas_shape_and_filters(box: Standalone) -> None:
    async with box.client() as client:
        everything = await client.get(f"/v23.0/{WABA_ID}/message_templates", params={"limit": 100})
        pending = await client.get(
            f"/v23.0/{WABA_ID}/message_templates", params={"status": "PENDING"}
        )
        paged = await client.get(f"/v23.0/{WABA_ID}/message_templates", params={"limit": 2})
        foreign = await client.get("/v23.0/123/message_templates")
    rows = everything.json()["data"]
    assert {(r["name"], r["language"]) for r in rows} >= {
        ("payment_reminder", "en"),
        ("payment_reminder", "en_US"),
        ("payment_reminder_final", "en"),
        ("payment_reminder_multi", "en"),
        ("invoice_new", "en_US"),
        ("payment_received", "en"),
    }
    reminder = next(
        r for r in rows if r["name"] == "payment_reminder_pdf" and r["language"] == "en"
    )
    assert reminder["status"] == "APPROVED"
    assert reminder["category"] == "UTILITY"
    assert reminder["parameter_format"] == "POSITIONAL"
    kinds = [c["type"] for c in reminder["components"]]
    assert kinds == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    assert reminder["components"][0]["format"] == "DOCUMENT"
    assert len(reminder["components"][1]["example"]["body_text"][0]) == 5
    assert reminder["components"][3]["buttons"][0]["url"].endswith("{{1}}")
    assert [r["name"] for r in pending.json()["data"]] == ["payment_reminder_v2"] * 2
    assert len(paged.json()["data"]) == 2
    assert "next" in paged.json()["paging"]
    assert foreign.json()["error"]["error_subcode"] == 33


def test_config_rejects_placeholders_that_do_not_match_parameters() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        TemplateConfig(name="broken", body_text="Hello {{1}} {{2}}", body_params=[])
