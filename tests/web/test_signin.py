"""Sign-in: owner accounts, the session cookie, CSRF, rate limiting, expiry and sign-out."""

from __future__ import annotations

import pytest

from component.web import passwords
from tests.web.conftest import OWNER, PASSWORD, Web, csrf_of

pytestmark = pytest.mark.anyio


async def test_pages_need_a_session_and_return_to_the_page_after_signing_in(web: Web) -> None:
    response = await web.client.get("/playground?q=invoice")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/playground%3Fq%3Dinvoice"
    signed = await web.sign_in(next="/playground?q=invoice")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/playground?q=invoice"
    page = await web.client.get("/playground?q=invoice")
    assert page.status_code == 200
    assert "Get Invoice" in page.text


async def test_the_session_cookie_is_signed_httponly_and_lax(web: Web) -> None:
    response = await web.sign_in()
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("xwa_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http and no https public URL
    value = cookie.split(";")[0].split("=", 1)[1]
    session_id, _, signature = value.rpartition(".")
    assert session_id
    assert signature
    forged = web.new_client()
    forged.cookies.set("xwa_session", f"{session_id}.{'A' * len(signature)}")
    assert (await forged.get("/playground")).status_code == 303
    await forged.aclose()


async def test_cookies_are_secure_when_the_public_url_is_https(web: Web) -> None:
    web.app.state.service.config.xero_wa_public_url = "https://reminders.example.com"
    response = await web.sign_in()
    cookies = response.headers.get_list("set-cookie")
    assert all("Secure" in c for c in cookies), cookies


async def test_a_wrong_password_says_so_without_telling_which_part(web: Web) -> None:
    wrong = await web.sign_in(password="not the password")
    unknown = await web.sign_in(username="nobody", password="not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "The username or password is not right." in response.text
        assert "xwa_session=" not in response.headers.get("set-cookie", "")


async def test_sign_in_without_the_form_token_is_refused(web: Web) -> None:
    response = await web.client.post(
        "/login", data={"username": OWNER, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 403
    assert "expired" in response.text
    assert "xwa_session=" not in response.headers.get("set-cookie", "")


async def test_repeated_failures_lock_the_username_until_the_window_ends(web: Web) -> None:
    limit = web.runtime.settings.xero_wa_login_max_failures
    for _ in range(limit):
        assert (await web.sign_in(password="wrong password!")).status_code == 401
    locked = await web.sign_in()  # even the right password waits
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in locked.text
    assert int(locked.headers["retry-after"]) == 15 * 60
    web.clock.advance(15 * 60 + 1)
    assert (await web.sign_in()).status_code == 303


async def test_an_expired_session_goes_to_login_and_back(signed_in: Web) -> None:
    assert (await signed_in.client.get("/playground")).status_code == 200
    signed_in.clock.advance(signed_in.runtime.settings.xero_wa_session_hours * 3600 + 1)
    response = await signed_in.client.get("/playground/getInvoice")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/playground/getInvoice"


async def test_use_keeps_a_session_alive(signed_in: Web) -> None:
    hours = signed_in.runtime.settings.xero_wa_session_hours
    for _ in range(3):
        signed_in.clock.advance(hours * 3600 * 0.6)
        assert (await signed_in.client.get("/playground")).status_code == 200


async def test_sign_out_ends_the_session_in_the_store(signed_in: Web) -> None:
    stolen = dict(signed_in.client.cookies)
    page = await signed_in.client.get("/playground")
    response = await signed_in.client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    replay = signed_in.new_client()
    replay.cookies.update(stolen)
    assert (await replay.get("/playground")).status_code == 303
    await replay.aclose()


async def test_sign_out_without_the_csrf_token_is_refused(signed_in: Web) -> None:
    response = await signed_in.client.post("/logout", data={})
    assert response.status_code == 403
    assert (await signed_in.client.get("/playground")).status_code == 200


async def test_changing_the_password_ends_every_session(signed_in: Web) -> None:
    store = signed_in.runtime.store
    store.accounts.set_password(
        OWNER, passwords.hash_password("another long password"), signed_in.clock.now()
    )
    assert (await signed_in.client.get("/playground")).status_code == 303


async def test_every_page_carries_a_strict_content_security_policy(signed_in: Web) -> None:
    response = await signed_in.client.get("/playground")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text
    assert " style=" not in response.text


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil", "javascript:alert(1)"]
)
async def test_next_never_leaves_the_site(web: Web, target: str) -> None:
    response = await web.sign_in(next=target)
    assert response.headers["location"] == "/"


async def test_junk_forms_never_cause_a_server_error(web: Web) -> None:
    page = await web.client.get("/login")
    token = csrf_of(page.text)
    for body, kind in (
        (b"\xff\xfe\x00garbage=%%%", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"username=" + b"a" * 2_000_000, "application/x-www-form-urlencoded"),
        (
            f"csrf_token={token}&username=a&password=".encode() + b"p" * 5000,
            "application/x-www-form-urlencoded",
        ),
    ):
        response = await web.client.post("/login", content=body, headers={"content-type": kind})
        assert response.status_code < 500, (kind, response.status_code)
