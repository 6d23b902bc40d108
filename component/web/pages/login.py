"""``/login`` and ``/logout``.

The sign-in form is protected against cross-site posting by a double-submit token: the GET sets
a random value in an HttpOnly cookie and in the form; the POST must carry both, equal. After a
sign-in the browser goes back to the page it came from (``next``, a local path only).
"""

from __future__ import annotations

import secrets

from starlette.responses import Response

from component.web import security
from component.web.auth import SignInRefused, client_address, sign_in, sign_out
from component.web.page import Page, PageError

LOGIN_COOKIE_SECONDS = 3600


async def login_form(page: Page) -> Response:
    if page.session is not None:
        return page.redirect(security.safe_next(page.value("next")))
    return _form(page, next_path=security.safe_next(page.value("next")))


def _form(page: Page, *, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page.render(
        "login.html",
        status,
        login_token=token,
        next_path=next_path,
        error=error,
        username=page.value("username")[:128],
    )
    security.set_cookie(
        response,
        security.LOGIN_COOKIE,
        token,
        secure_flag=page.web.secure_cookies(page.request),
        max_age=LOGIN_COOKIE_SECONDS,
    )
    return response


async def login_submit(page: Page) -> Response:
    next_path = security.safe_next(page.value("next"))
    if not security.same_token(
        page.value(security.CSRF_FIELD), page.request.cookies.get(security.LOGIN_COOKIE)
    ):
        return _form(
            page,
            next_path=next_path,
            error="The sign-in form had expired. Please sign in again.",
            status=403,
        )
    username, password = page.value("username"), page.form.get("password")
    if not username or not isinstance(password, str) or not password:
        return _form(
            page, next_path=next_path, error="Enter your username and password.", status=400
        )
    try:
        signed = await sign_in(page.web, username, password, client_address(page.request))
    except SignInRefused as refused:
        response = _form(page, next_path=next_path, error=refused.message, status=refused.status)
        if refused.retry_after is not None:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    response = page.redirect(next_path)
    secure_flag = page.web.secure_cookies(page.request)
    security.set_cookie(
        response,
        security.SESSION_COOKIE,
        signed.cookie,
        secure_flag=secure_flag,
        max_age=int(page.web.session_lifetime.total_seconds()),
    )
    security.clear_cookie(response, security.LOGIN_COOKIE, secure_flag=secure_flag)
    return response


async def logout(page: Page) -> Response:
    if page.session_id is None:
        raise PageError(400, "Not signed in", "There is no session to end.")
    await sign_out(page.web, page.session_id)
    response = page.redirect("/login")
    security.clear_cookie(
        response, security.SESSION_COOKIE, secure_flag=page.web.secure_cookies(page.request)
    )
    return response
