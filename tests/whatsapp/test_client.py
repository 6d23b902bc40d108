"""WhatsAppClient at the request level: exact requests, the retry rules, never a blind resend."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.runtime import Runtime
from component.values import Binary
from component.whatsapp import templates as t
from component.whatsapp.client import SendResult, WhatsAppClient
from component.whatsapp.errors import SendOutcomeUnknown, WhatsAppAuthError
from component.whatsapp.retry import SendPolicy
from tests.whatsapp.conftest import (
    CUSTOMER,
    GRAPH,
    MESSAGES_URL,
    PHONE_ID,
    TOKEN,
    WABA_ID,
    WAMID,
    accepted,
    graph_error,
    make_session,
    sent_json,
)

pytestmark = pytest.mark.anyio

REMINDER = [
    t.header_document(link="https://in.xero.com/INV-0142.pdf", filename="INV-0142.pdf"),
    t.body([t.text("Priya Textiles"), t.text("INV-0142")]),
]
THROTTLED = graph_error(130429, "(#130429) Rate limit hit", "Cloud API message throughput...")
PAIR = graph_error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")


async def test_template_send_is_exactly_what_meta_documents(
    client: WhatsAppClient, httpx_mock: HTTPXMock, runtime: Runtime
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())

    result = await client.send_template(
        CUSTOMER, "payment_reminder", "en", REMINDER, callback_data="reminder:INV-0142:7"
    )

    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert sent_json(request) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+919820012345",
        "type": "template",
        "biz_opaque_callback_data": "reminder:INV-0142:7",
        "template": {
            "name": "payment_reminder",
            "language": {"code": "en"},
            "components": REMINDER,
        },
    }
    assert result == SendResult(WAMID, "919820012345", CUSTOMER, "accepted")
    assert result.response == accepted()
    sent = runtime.store.messages.sent(WAMID)
    assert sent is not None
    assert (sent.to, sent.template, sent.language, sent.callback_data) == (
        CUSTOMER,
        "payment_reminder",
        "en",
        "reminder:INV-0142:7",
    )


async def test_text_send_body_and_version_from_the_connection(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    client = WhatsAppClient(runtime, make_session(apiVersion="v24.0"))
    url = f"https://graph.facebook.com/v24.0/{PHONE_ID}/messages"
    httpx_mock.add_response(method="POST", url=url, json=accepted())

    await client.send_text(CUSTOMER, "Thanks, noted.", preview_url=True)

    assert sent_json(httpx_mock.get_request()) == {  # type: ignore[arg-type]
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"preview_url": True, "body": "Thanks, noted."},
    }


@pytest.mark.parametrize("to", ["919820012345", "9820012345", "+91 98200 12345", "+0123"])
async def test_a_number_without_e164_plus_is_refused_before_sending(
    client: WhatsAppClient, to: str
) -> None:
    with pytest.raises(errors.InputError) as info:
        await client.send_text(to, "hi")
    assert "prepend the business number's country code" in info.value.message


async def test_131047_explains_the_24_hour_window_and_is_not_retried(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=MESSAGES_URL,
        status_code=400,
        json=graph_error(131047, "(#131047) Re-engagement message", "More than 24 hours..."),
    )

    with pytest.raises(errors.UpstreamError) as info:
        await client.send_text(CUSTOMER, "Your invoice is overdue")

    assert info.value.message.startswith(
        "131047: more than 24 hours since the customer last messaged you; free-form text is not "
        "allowed, send an approved template instead (text message to +919820012345; Meta: "
    )
    assert info.value.info.upstream_code == 131047
    assert info.value.retryable is False
    assert len(httpx_mock.get_requests()) == 1


async def test_132001_names_the_template_and_language(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=MESSAGES_URL,
        status_code=404,
        json=graph_error(132001, "(#132001) Template name does not exist in the translation"),
    )

    with pytest.raises(errors.UpstreamError) as info:
        await client.send_template(CUSTOMER, "payment_reminder_v2", "en", [])

    assert info.value.message.startswith(
        "132001: template 'payment_reminder_v2' (en) does not exist or is not approved: check "
        "the template name/language in WhatsApp Manager"
    )
    assert "components" not in sent_json(httpx_mock.get_request())["template"]  # type: ignore[arg-type]


async def test_expired_token_is_a_connection_error_with_metas_code(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    body = graph_error(190, "Error validating access token: Session has expired")
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=401, json=body)

    with pytest.raises(WhatsAppAuthError) as info:
        await client.send_text(CUSTOMER, "hi")

    assert isinstance(info.value, errors.ConnectionError)
    assert info.value.info.upstream_code == 190
    assert "supply a new access token" in info.value.message
    assert len(httpx_mock.get_requests()) == 1


async def test_130429_slows_all_sends_down_and_retries(
    client: WhatsAppClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=429, json=THROTTLED)
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    start = clock.monotonic()

    result = await client.send_text(CUSTOMER, "hi")

    assert result.message_id == WAMID
    assert len(httpx_mock.get_requests()) == 2
    assert clock.monotonic() - start == pytest.approx(client.pacer.window)
    assert client.pacer.stats.slowdowns == 1


async def test_130429_that_persists_ends_as_rate_limited(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    client = WhatsAppClient(runtime, make_session(), policy=SendPolicy(throughput_retries=2))
    for _ in range(3):
        httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=429, json=THROTTLED)

    with pytest.raises(errors.RateLimited) as info:
        await client.send_text(CUSTOMER, "hi")

    assert info.value.info.upstream_code == 130429
    assert info.value.retryable is True
    assert info.value.retry_after == 1.0


async def test_131056_backs_off_that_recipient_and_retries(
    client: WhatsAppClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=400, json=PAIR)
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    start = clock.monotonic()

    await client.send_text(CUSTOMER, "hi")

    assert len(httpx_mock.get_requests()) == 2
    assert clock.monotonic() - start == pytest.approx(6.05)
    assert client.pacer.stats.pair_backoffs == 1
    assert client.pacer.stats.slowdowns == 0


async def test_transient_meta_error_is_retried_with_backoff(
    client: WhatsAppClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    unavailable = graph_error(131016, "(#131016) Service unavailable")
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, status_code=503, json=unavailable)
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())

    await client.send_text(CUSTOMER, "hi")

    assert len(httpx_mock.get_requests()) == 2
    assert 0.25 <= clock.slept[-1] <= 0.5  # first backoff: equal jitter over 0.5 s


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset by peer"),
        httpx.WriteTimeout("timed out"),
    ],
)
async def test_a_lost_answer_is_an_unknown_outcome_and_never_resent(
    client: WhatsAppClient, httpx_mock: HTTPXMock, exc: Exception
) -> None:
    httpx_mock.add_exception(exc, method="POST", url=MESSAGES_URL)

    with pytest.raises(SendOutcomeUnknown) as info:
        await client.send_template(CUSTOMER, "payment_reminder", "en", REMINDER)

    assert len(httpx_mock.get_requests()) == 1
    assert info.value.retryable is False
    assert "may have been sent" in info.value.message
    assert info.value.code == "send_outcome_unknown"


async def test_a_5xx_without_a_graph_body_is_an_unknown_outcome(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=MESSAGES_URL, status_code=504, text="<html>Gateway Timeout</html>"
    )

    with pytest.raises(SendOutcomeUnknown):
        await client.send_text(CUSTOMER, "hi")
    assert len(httpx_mock.get_requests()) == 1


async def test_a_200_without_a_message_id_is_an_unknown_outcome(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json={"messages": []})

    with pytest.raises(SendOutcomeUnknown):
        await client.send_text(CUSTOMER, "hi")


async def test_connect_errors_never_reached_meta_so_they_are_retried(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection refused"), url=MESSAGES_URL)
    httpx_mock.add_exception(httpx.ConnectTimeout("connect timed out"), url=MESSAGES_URL)
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())

    result = await client.send_text(CUSTOMER, "hi")

    assert result.message_id == WAMID
    assert len(httpx_mock.get_requests()) == 3


async def test_connect_errors_that_persist_say_nothing_was_sent(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    client = WhatsAppClient(runtime, make_session(), policy=SendPolicy(failure_retries=1))
    for _ in range(2):
        httpx_mock.add_exception(httpx.ConnectError("connection refused"), url=MESSAGES_URL)

    with pytest.raises(errors.UpstreamError) as info:
        await client.send_text(CUSTOMER, "hi")

    assert not isinstance(info.value, SendOutcomeUnknown)
    assert info.value.retryable is True
    assert "nothing was sent" in info.value.message


async def test_upload_media_is_a_multipart_post(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{GRAPH}/{PHONE_ID}/media", json={"id": "1037543291543636"}
    )
    pdf = Binary(b"%PDF-1.4 invoice", "application/pdf", "INV-0142.pdf")

    media_id = await client.upload_media(pdf)

    assert media_id == "1037543291543636"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="messaging_product"\r\n\r\nwhatsapp\r\n' in body
    assert b'name="type"\r\n\r\napplication/pdf\r\n' in body
    assert b'name="file"; filename="INV-0142.pdf"\r\nContent-Type: application/pdf' in body
    assert b"%PDF-1.4 invoice" in body


async def test_list_templates_follows_the_after_cursor(
    client: WhatsAppClient, httpx_mock: HTTPXMock
) -> None:
    url = f"{GRAPH}/{WABA_ID}/message_templates"
    first = {
        "data": [{"name": "payment_reminder", "language": "en", "status": "APPROVED"}],
        "paging": {"cursors": {"before": "0", "after": "1"}, "next": f"{url}?after=1"},
    }
    last = {
        "data": [{"name": "invoice_new", "language": "en", "status": "APPROVED"}],
        "paging": {"cursors": {"before": "1", "after": "2"}},
    }
    httpx_mock.add_response(method="GET", url=f"{url}?limit=100", json=first)
    httpx_mock.add_response(method="GET", url=f"{url}?limit=100&after=1", json=last)

    found = await client.list_templates()

    assert [row["name"] for row in found] == ["payment_reminder", "invoice_new"]


async def test_list_templates_needs_the_business_account_id(runtime: Runtime) -> None:
    client = WhatsAppClient(runtime, make_session(businessAccountId=None))

    with pytest.raises(errors.ConnectionError, match="businessAccountId"):
        await client.list_templates()


async def test_a_connection_without_phone_number_id_is_refused(runtime: Runtime) -> None:
    with pytest.raises(errors.ConnectionError, match="phoneNumberId"):
        WhatsAppClient(runtime, make_session(phoneNumberId=""))
