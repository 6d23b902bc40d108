"""One body limit in front of every route: refused before reading when declared, cut off while
reading when not, so no route (web app and /mcp included) ever holds more than the limit.

Driven at the ASGI level, so each test sees exactly how much of the body the app pulled.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import API_KEY, ServiceFactory, service_config

pytestmark = pytest.mark.anyio
LIMIT = 4096
CHUNK = 1024


class Upload:
    """An ASGI ``receive`` that hands out ``total`` bytes in chunks and counts what was taken."""

    def __init__(self, total: int, *, read_allowed: bool = True) -> None:
        self.left = total
        self.taken = 0
        self.read_allowed = read_allowed

    async def __call__(self) -> dict[str, Any]:
        assert self.read_allowed, "the body was read although its length was declared too large"
        size = min(CHUNK, self.left)
        self.left -= size
        self.taken += size
        return {"type": "http.request", "body": b"x" * size, "more_body": self.left > 0}


async def call(
    app: Any, method: str, path: str, upload: Upload, headers: dict[str, str]
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("service.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, upload, send)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], body


ROUTES = [
    ("POST", "/v1/actions/listInvoices/invoke"),
    ("POST", "/login"),
    ("POST", "/mcp"),
    ("GET", "/healthz"),
    ("GET", "/oauth/xero/callback"),
    ("POST", "/no/such/route"),
]
AUTH = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_declared_length_over_the_limit_is_413_before_reading(
    make_service: ServiceFactory, method: str, path: str
) -> None:
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    upload = Upload(10 * LIMIT, read_allowed=False)
    headers = {**AUTH, "Content-Length": str(10 * LIMIT)}
    status, body = await call(service.app, method, path, upload, headers)
    assert status == 413
    assert b'"code":"body_too_large"' in body
    assert upload.taken == 0


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
async def test_an_undeclared_body_is_cut_off_at_the_limit(
    make_service: ServiceFactory, method: str, path: str
) -> None:
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    upload = Upload(1000 * LIMIT)  # 4 MB offered, chunked
    status, _ = await call(service.app, method, path, upload, AUTH)
    assert status in (413, 404)  # an unknown route never reads its body at all
    assert upload.taken <= LIMIT + CHUNK


async def test_webhooks_get_a_bare_413(make_service: ServiceFactory) -> None:
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    for path in ("/webhooks/xero", "/webhooks/whatsapp"):
        for upload, headers in (
            (Upload(10 * LIMIT, read_allowed=False), {"Content-Length": str(10 * LIMIT)}),
            (Upload(10 * LIMIT), {}),
        ):
            assert await call(service.app, "POST", path, upload, headers) == (413, b"")


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "٣"])
async def test_a_content_length_that_is_not_a_number_is_400(
    make_service: ServiceFactory, length: str
) -> None:
    service = await make_service()
    upload = Upload(10, read_allowed=False)
    status, body = await call(
        service.app, "POST", "/v1/actions/listInvoices/invoke", upload, {"Content-Length": length}
    )
    assert status == 400
    assert b"Content-Length is not a number" in body


async def test_a_body_within_the_limit_reaches_the_route(make_service: ServiceFactory) -> None:
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    upload = Upload(LIMIT)  # "xxxx...": read whole, then refused as JSON by the route
    status, body = await call(service.app, "POST", "/v1/actions/listInvoices/invoke", upload, AUTH)
    assert status == 400
    assert b"invalid JSON" in body
    assert upload.taken == LIMIT


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
async def test_a_length_given_with_a_transfer_encoding_is_not_trusted(
    make_service: ServiceFactory, method: str, path: str
) -> None:
    """The server frames such a body by its chunks, not by the length: it is counted."""
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    upload = Upload(1000 * LIMIT)
    headers = {**AUTH, "Content-Length": "10", "Transfer-Encoding": "chunked"}
    status, _ = await call(service.app, method, path, upload, headers)
    assert status in (413, 404)  # an unknown route never reads its body at all
    assert upload.taken <= LIMIT + CHUNK


@pytest.mark.parametrize("path", ["/webhooks/xero", "/webhooks/whatsapp"])
async def test_deliveries_keep_every_body_rule_on_the_short_way_in(
    make_service: ServiceFactory, path: str
) -> None:
    """Webhook deliveries framed by a Content-Length skip the middleware layers
    (``service.webhook_front``); the rules stay the same for every framing."""
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    framed = Upload(LIMIT)  # at the limit: read whole, then refused as unsigned
    status, _ = await call(service.app, "POST", path, framed, {"Content-Length": str(LIMIT)})
    assert status in (401, 403)
    assert framed.taken == LIMIT
    assert await call(
        service.app, "POST", path, Upload(10, read_allowed=False), {"Content-Length": "abc"}
    ) == (400, b"")
    chunked = Upload(1000 * LIMIT)
    headers = {"Content-Length": "10", "Transfer-Encoding": "chunked"}
    assert await call(service.app, "POST", path, chunked, headers) == (413, b"")
    assert chunked.taken <= LIMIT + CHUNK


async def test_a_framed_delivery_goes_straight_to_its_endpoint(
    make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The short way in is taken (issue 13: the layers it skips were about 6% of the event loop's
    time a delivery), and only for deliveries: other requests pass the body limit."""
    from component.service.body_limit import BodyLimitMiddleware

    entered: list[str] = []
    real = BodyLimitMiddleware.__call__

    async def recorded(self: BodyLimitMiddleware, scope: Any, receive: Any, send: Any) -> None:
        entered.append(scope["path"])
        await real(self, scope, receive, send)

    monkeypatch.setattr(BodyLimitMiddleware, "__call__", recorded)
    service = await make_service(config=service_config(xero_wa_max_body_bytes=LIMIT))
    delivery = {"Content-Length": "2"}
    assert (await call(service.app, "POST", "/webhooks/xero", Upload(2), delivery))[0] == 401
    assert entered == []
    assert (await call(service.app, "GET", "/webhooks/xero", Upload(0), {}))[0] == 405
    await call(service.app, "GET", "/healthz", Upload(0), {})
    assert entered == ["/webhooks/xero", "/healthz"]
