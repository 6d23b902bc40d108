"""The WhatsApp actions through the executor: exact requests, friendly inputs, clear errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from component.runtime import Runtime

pytestmark = pytest.mark.anyio

PHONE_ID = "106540352242922"
MESSAGES = f"https://graph.facebook.com/v23.0/{PHONE_ID}/messages"
MEDIA = f"https://graph.facebook.com/v23.0/{PHONE_ID}/media"
WAMID = "wamid.HBgMOTE5ODIwMDEyMzQ1FQIAERgSQzVGOTk1MjQ4NzM2QjYwNjA0AA=="
CONNECTION = {
    "type": "whatsappCloud",
    "accessToken": "EAAG-test-token",
    "phoneNumberId": PHONE_ID,
    "businessAccountId": "419561257915477",
    "appSecret": "app-secret",
    "verifyToken": "verify-token",
    "apiVersion": "v23.0",
}


def accepted(to: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
        "messages": [{"id": WAMID, "message_status": "accepted"}],
    }


def sent_template(httpx_mock: HTTPXMock) -> dict[str, Any]:
    request = httpx_mock.get_request()
    assert request is not None
    body: dict[str, Any] = json.loads(request.content)
    return body


async def send_template(executor: Executor, **inputs: Any) -> Any:
    result = await executor.invoke("sendWhatsAppTemplate", inputs, CONNECTION)
    return result["data"]


async def test_template_with_typed_parameters_and_a_messy_number(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+919820012345"))

    data = await send_template(
        executor,
        to="098200 12345",
        templateName="payment_reminder_multi",
        bodyParameters=json.dumps(
            [
                {"type": "text", "text": "Priya Textiles"},
                3,
                {"type": "currency", "amount": "120000", "currency": "INR"},
            ]
        ),
        callbackData="reminder:contact-1:multi",
    )

    assert data == accepted("+919820012345")
    body = sent_template(httpx_mock)
    assert body["to"] == "+919820012345"
    assert body["biz_opaque_callback_data"] == "reminder:contact-1:multi"
    assert body["template"] == {
        "name": "payment_reminder_multi",
        "language": {"code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Priya Textiles"},
                    {"type": "text", "text": "3"},
                    {
                        "type": "currency",
                        "currency": {
                            "fallback_value": "₹1,20,000.00",
                            "code": "INR",
                            "amount_1000": 120000000,
                        },
                    },
                ],
            }
        ],
    }


async def test_fallbacks_follow_the_recipients_country_unless_a_locale_is_given(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    params = json.dumps([{"type": "currency", "amount": 1234.5, "currency": "AUD"}])
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+61412345678"))
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+61412345679"))

    await send_template(executor, to="+61412345678", templateName="x", bodyParameters=params)
    await send_template(
        executor, to="+61412345679", templateName="x", bodyParameters=params, locale="en_IN"
    )

    first, second = (json.loads(r.content) for r in httpx_mock.get_requests())
    fallback = [
        b["template"]["components"][0]["parameters"][0]["currency"]["fallback_value"]
        for b in (first, second)
    ]
    assert fallback == ["$1,234.50", "A$1,234.50"]
    assert first["template"]["components"][0]["parameters"][0]["currency"]["amount_1000"] == (
        1234500
    )


async def test_named_params_document_by_media_id_and_buttons(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+919820012345"))

    await send_template(
        executor,
        to="+919820012345",
        templateName="payment_received",
        languageCode="en_US",
        headerParameters=[{"type": "document", "mediaId": "1037", "filename": "INV-0142.pdf"}],
        bodyParameters=[
            {"type": "text", "text": "Priya Textiles", "name": "party_name"},
            {"type": "date_time", "date": "2026-07-07", "name": "paid_on"},
        ],
        buttonParameters=["iNv0142", {"subType": "quick_reply", "payload": "STOP"}],
    )

    template = sent_template(httpx_mock)["template"]
    assert template["language"] == {"code": "en_US"}
    assert template["components"] == [
        {
            "type": "header",
            "parameters": [
                {"type": "document", "document": {"id": "1037", "filename": "INV-0142.pdf"}}
            ],
        },
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Priya Textiles", "parameter_name": "party_name"},
                {
                    "type": "date_time",
                    "date_time": {"fallback_value": "7 July 2026"},
                    "parameter_name": "paid_on",
                },
            ],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "iNv0142"}],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "1",
            "parameters": [{"type": "payload", "payload": "STOP"}],
        },
    ]


async def test_raw_components_are_sent_as_given(executor: Executor, httpx_mock: HTTPXMock) -> None:
    raw = [{"type": "body", "parameters": [{"type": "text", "text": "as is"}]}]
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+919820012345"))

    await send_template(executor, to="+919820012345", templateName="x", components=raw)

    assert sent_template(httpx_mock)["template"]["components"] == raw


@pytest.mark.parametrize(
    ("inputs", "field", "reason"),
    [
        ({"to": "call me"}, "to", "not a phone number"),
        ({"to": "12345"}, "to", "not a valid phone number"),
        (
            {"bodyParameters": '["ok", {"type": "currency", "amount": "1"}]'},
            "bodyParameters[1]",
            "needs currency",
        ),
        (
            {"bodyParameters": '[{"type": "currency", "amount": "1.2345", "currency": "INR"}]'},
            "bodyParameters[0]",
            "more than 3 decimal places",
        ),
        (
            {"bodyParameters": '[{"type": "date_time", "date": "7/7/2026"}]'},
            "bodyParameters[0]",
            "isoformat",
        ),
        ({"bodyParameters": '[{"type": "image"}]'}, "bodyParameters[0]", "unknown parameter type"),
        ({"bodyParameters": '[{"type": "text"}]'}, "bodyParameters[0]", "missing 'text'"),
        ({"bodyParameters": "[null]"}, "bodyParameters[0]", "expected text or a parameter object"),
        (
            {"headerParameters": '[{"type": "document"}]'},
            "headerParameters[0]",
            "exactly one of link or media id",
        ),
        (
            {"buttonParameters": '[{"subType": "call"}]'},
            "buttonParameters[0]",
            "subType must be one of",
        ),
        (
            {"buttonUrlSuffix": "a", "buttonParameters": '["b"]'},
            "buttonParameters[0]",
            "given twice",
        ),
        ({"components": "[]", "bodyParameters": '["x"]'}, "components", "not both"),
        ({"components": '[{"parameters": []}]'}, "components", "each with a type"),
        ({"bodyParameters": '{"a": 1}'}, "bodyParameters", "array"),
    ],
)
async def test_bad_inputs_are_refused_before_anything_is_sent(
    executor: Executor, inputs: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(errors.InputError) as info:
        await send_template(executor, **{"to": "+919820012345", "templateName": "x", **inputs})

    [problem] = info.value.problems
    assert problem.field == field
    assert reason in problem.reason


async def test_text_outside_the_window_says_to_send_a_template(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=MESSAGES,
        status_code=400,
        json={"error": {"message": "(#131047) Re-engagement message", "code": 131047}},
    )

    with pytest.raises(errors.UpstreamError) as info:
        await executor.invoke(
            "sendWhatsAppText", {"to": "+919820012345", "body": "Hello"}, CONNECTION
        )

    assert "send an approved template instead" in info.value.message
    assert info.value.to_dict()["error"]["details"]["upstreamCode"] == 131047


async def test_text_with_preview_and_callback(executor: Executor, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES, json=accepted("+919820012345"))

    await executor.invoke(
        "sendWhatsAppText",
        {
            "to": "+919820012345",
            "body": "Pay at https://in.xero.com/x",
            "previewUrl": "true",
            "callbackData": "payment:INV-0142",
        },
        CONNECTION,
    )

    body = sent_template(httpx_mock)
    assert body["text"] == {"preview_url": True, "body": "Pay at https://in.xero.com/x"}
    assert body["biz_opaque_callback_data"] == "payment:INV-0142"


async def test_upload_takes_the_type_of_a_data_url(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MEDIA, json={"id": "1037543291543636"})

    result = await executor.invoke(
        "uploadWhatsAppMedia",
        {"file": "data:application/pdf;base64,JVBERi0xLjQ=", "fileName": "INV-0142.pdf"},
        CONNECTION,
    )

    assert result["data"] == {"id": "1037543291543636"}
    content = httpx_mock.get_request().content  # type: ignore[union-attr]
    assert b'name="type"\r\n\r\napplication/pdf\r\n' in content
    assert b'filename="INV-0142.pdf"\r\nContent-Type: application/pdf' in content


async def test_message_status_from_the_store(executor: Executor, runtime: Runtime) -> None:
    messages = runtime.store.messages
    messages.record_sent(
        WAMID,
        "+919820012345",
        template="payment_reminder",
        language="en",
        callback_data="r:1",
        sent_at=runtime.clock.now(),
    )
    messages.record_status(WAMID, "delivered", "1784021403", "919820012345", None, "r:1")
    messages.record_status(WAMID, "sent", "1784021401", "919820012345", None, "r:1")

    data = (await executor.invoke("getWhatsAppMessageStatus", {"messageId": WAMID}, CONNECTION))[
        "data"
    ]

    assert data["found"] is True
    assert data["status"] == "delivered"
    assert [s["status"] for s in data["statuses"]] == ["sent", "delivered"]
    assert data["latest"]["timestamp"] == "2026-07-14T09:30:03+00:00"
    assert data["sent"]["template"] == "payment_reminder"
    assert "note" not in data


async def test_a_sent_message_without_statuses_is_accepted(
    executor: Executor, runtime: Runtime
) -> None:
    runtime.store.messages.record_sent(
        WAMID, "+919820012345", kind="text", sent_at=runtime.clock.now()
    )

    data = (await executor.invoke("getWhatsAppMessageStatus", {"messageId": WAMID}, CONNECTION))[
        "data"
    ]

    assert (data["found"], data["status"], data["statuses"]) == (True, "accepted", [])
    assert data["note"].startswith("no status recorded yet")


async def test_an_unknown_message_is_not_found_rather_than_an_error(executor: Executor) -> None:
    data = (
        await executor.invoke("getWhatsAppMessageStatus", {"messageId": "wamid.x"}, CONNECTION)
    )["data"]

    assert (data["found"], data["status"], data["latest"], data["sent"]) == (
        False,
        None,
        None,
        None,
    )


async def test_a_xero_connection_cannot_send_whatsapp(executor: Executor) -> None:
    xero = {"type": "xeroToken", "accessToken": "t", "tenantId": "tenant-1"}

    with pytest.raises(errors.InputError, match="cannot run a whatsapp action"):
        await executor.invoke("sendWhatsAppText", {"to": "+919820012345", "body": "x"}, xero)
