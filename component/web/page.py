"""The wrapper every page endpoint goes through, and ``Page``, what a page handler receives.

``page(handler)`` resolves the session (no session: back to ``/login`` with the page to return
to), reads and bounds a POST's form, checks its CSRF token, turns every error into a page with
the right status (never a traceback), and adds the security headers. Handlers only read inputs,
call the product and render a template.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from component import errors
from component.service.http import BodyTooLarge, internal_error, read_body
from component.storage.web_sessions import WebSession
from component.web import security
from component.web.state import WebState, web_state

log = logging.getLogger("xero_wa.web")
T = TypeVar("T")
MAX_FIELDS = 1000


class PageError(Exception):
    """A page that cannot be shown: ``status`` with a short title and message."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass
class Page:
    request: Request
    web: WebState
    session: WebSession | None = None
    session_id: str | None = field(default=None, repr=False)
    form: FormData = field(default_factory=FormData)

    # ------------------------------------------------------------------ inputs
    def value(self, name: str, default: str = "") -> str:
        """A form field (POST) or query parameter (GET), stripped; ``default`` when absent."""
        raw = self.form.get(name) if self.request.method == "POST" else None
        if raw is None:
            raw = self.request.query_params.get(name)
        return raw.strip() if isinstance(raw, str) else default

    def values(self, name: str) -> list[str]:
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def number(self, name: str, default: int = 1, *, low: int = 1, high: int = 100_000) -> int:
        """A small positive integer (a page number); junk falls back to ``default``."""
        text = self.value(name)
        if not text.isdigit() or len(text) > 7:
            return default
        return min(max(int(text), low), high)

    @property
    def path_params(self) -> dict[str, Any]:
        return dict(self.request.path_params)

    # ------------------------------------------------------------------ answers
    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        body = self.web.templates.get_template(template).render(
            user=self.session.username if self.session else None,
            csrf=self.session.csrf_token if self.session else "",
            path=self.request.url.path,
            **context,
        )
        return HTMLResponse(body, status)

    def redirect(self, url: str) -> Response:
        """303 See Other (after a POST); htmx follows ``HX-Redirect`` instead."""
        if self.request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking store call off the event loop."""
        return await asyncio.to_thread(fn, *args)


Handler = Callable[[Page], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def page(handler: Handler, *, public: bool = False, csrf: bool = True) -> Endpoint:
    """An endpoint around ``handler``: session, form, CSRF, errors and headers."""

    async def endpoint(request: Request) -> Response:
        web = await web_state(request)
        try:
            response = await _serve(handler, request, web, public=public, csrf=csrf)
        except PageError as exc:
            response = _error_page(web, request, exc.status, exc.title, exc.message)
        except errors.XeroWaError as exc:
            response = _error_page(web, request, exc.http_status, "That did not work", exc.message)
        except Exception as exc:
            failure = internal_error(exc, f"{request.method} {request.url.path}")
            response = _error_page(web, request, 500, "Something went wrong", failure.message)
        return security.secure(response, web.csp)

    return endpoint


async def _serve(
    handler: Handler, request: Request, web: WebState, *, public: bool, csrf: bool
) -> Response:
    found = await _session(web, request)
    session_id, session = found if found is not None else (None, None)
    current = Page(request, web, session, session_id)
    if current.session is None and not public:
        return _to_login(request)
    if request.method == "POST":
        current.form = await _read_form(request, web)
        if csrf and not public:
            assert current.session is not None
            given = current.form.get(security.CSRF_FIELD) or request.headers.get(
                security.CSRF_HEADER
            )
            if not security.same_token(
                given if isinstance(given, str) else None, current.session.csrf_token
            ):
                raise PageError(
                    403,
                    "This form has expired",
                    "The form was not sent by this page (its security token is missing or old). "
                    "Go back, reload the page and try again.",
                )
    return await handler(current)


async def _session(web: WebState, request: Request) -> tuple[str, WebSession] | None:
    from component.web.auth import current_session

    return await current_session(web, request)


async def _read_form(request: Request, web: WebState) -> FormData:
    limit = web.service.config.xero_wa_max_body_bytes
    try:
        body = await read_body(request, limit)

        async def replay() -> dict[str, Any]:  # the bounded body, parsed by Starlette
            return {"type": "http.request", "body": body, "more_body": False}

        return await Request(request.scope, replay).form(max_files=0, max_fields=MAX_FIELDS)
    except BodyTooLarge:
        raise PageError(413, "Too much data", f"A form may send at most {limit} bytes.") from None
    except (MultiPartException, HTTPException, ValueError, UnicodeDecodeError):
        # (Starlette reports a multipart body without a boundary as HTTPException 400)
        raise PageError(400, "Unreadable form", "The form data could not be read.") from None


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = request.url.path
    url = "/login?next=" + quote(security.safe_next(target), safe="/")
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _error_page(web: WebState, request: Request, status: int, title: str, message: str) -> Response:
    body = web.templates.get_template("error.html").render(
        user=None, csrf="", path=request.url.path, title=title, message=message, status=status
    )
    return HTMLResponse(body, status)


def field_errors(exc: errors.InputError) -> dict[str, str]:
    """An InputError as ``{field: reason}`` for showing each reason beside its field."""
    out: dict[str, str] = {}
    for problem in exc.problems:
        out.setdefault(problem.field.split("[")[0].split(".")[0], problem.reason)
    return out


def choose(options: Sequence[str], given: str, default: str) -> str:
    """``given`` when it is one of ``options``, else ``default`` (junk never reaches SQL)."""
    return given if given in options else default
