"""Every web route: a session is required, POSTs need the CSRF token, junk is never a 5xx."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from component.web.routes import routes
from tests.web.conftest import Web

pytestmark = pytest.mark.anyio

PUBLIC = {"/login", "/connections/xero/callback"}
JUNK_PARAMS = {
    "key": "getInvoice",
    "contactId": "00000000-0000-0000-0000-000000000000",
    "invoiceId": "INV-0001",
}
JUNK_VALUES = [
    "",
    "\x00",
    "' OR 1=1 --",
    "9" * 30,
    "<script>alert(1)</script>",
    "%",
    "../../etc/passwd",
    "💥" * 50,
]


def web_routes() -> list[tuple[str, str]]:
    out = []
    for route in routes():
        if not isinstance(route, Route):
            continue
        path = route.path
        for name, value in JUNK_PARAMS.items():
            path = path.replace("{" + name + "}", value)
        out += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return out


ROUTES = web_routes()


def test_the_route_table_is_what_the_tests_cover() -> None:
    paths = {p for _, p in ROUTES}
    for expected in (
        "/",
        "/login",
        "/logout",
        "/playground",
        "/connections",
        "/policy",
        "/review",
        "/events",
        "/optouts",
        "/invoices",
    ):
        assert expected in paths, expected


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[1] not in PUBLIC])
async def test_every_page_needs_a_session(web: Web, method: str, path: str) -> None:
    response = await web.client.request(method, path)
    assert response.status_code == 303, (method, path, response.status_code)
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("method", "path"), [r for r in ROUTES if r[0] == "POST" and r[1] not in PUBLIC]
)
async def test_every_post_needs_the_csrf_token(connected: Web, method: str, path: str) -> None:
    response = await connected.client.post(path, data={"org": "x", "name": "xero", "id": "1"})
    assert response.status_code == 403, (path, response.status_code)
    wrong = await connected.client.post(path, data={"csrf_token": "forged", "name": "xero"})
    assert wrong.status_code == 403, (path, wrong.status_code)


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_junk_is_never_a_server_error(connected: Web, method: str, path: str) -> None:
    page = await connected.client.get("/optouts")
    from tests.web.conftest import csrf_of

    token = csrf_of(page.text)
    fields = (
        "org",
        "q",
        "page",
        "state",
        "id",
        "name",
        "kind",
        "subject",
        "key",
        "verdict",
        "reason",
        "yaml",
        "_do",
        "countryCode",
        "number",
        "optOut",
        "days",
        "wamid",
        "replies_page",
    )
    for value in JUNK_VALUES:
        if method == "GET":
            response = await connected.client.get(path, params=dict.fromkeys(fields, value))
        else:
            data = dict.fromkeys(fields, value)
            data["csrf_token"] = token
            response = await connected.client.post(path, data=data)
        assert response.status_code < 500, (method, path, value, response.status_code)
        if response.status_code == 303 and path == "/logout":
            await connected.sign_in()
