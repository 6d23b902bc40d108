"""Response headers of every page, cookie flags, and the CSRF comparison.

The Content-Security-Policy allows scripts, styles, images and requests from this origin only, no
inline script or style (htmx is told not to inject its indicator style), no framing, no plugins,
and forms that post here or to the configured Xero login (the connect button's redirect).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.responses import Response

SESSION_COOKIE = "xwa_session"
LOGIN_COOKIE = "xwa_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    forms = " ".join(("'self'", *form_targets))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            f"form-action {forms}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        )
    )


def origin(url: str) -> str | None:
    """``https://login.xero.com/identity/...`` → ``https://login.xero.com``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def secure(response: Response, csp: str) -> Response:
    """Add the page headers: CSP, no sniffing, no framing, no referrer, no caching."""
    headers = response.headers
    headers["Content-Security-Policy"] = csp
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    return response


def set_cookie(
    response: Response, name: str, value: str, *, secure_flag: bool, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_flag,
    )


def clear_cookie(response: Response, name: str, *, secure_flag: bool) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure_flag)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else (``//evil``, URLs) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ch in target for ch in "\r\n\t") or target.startswith("/login"):
        return "/"
    return target
