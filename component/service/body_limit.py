"""One body limit for every route of the service, enforced before and while a body is read.

Routes read their bodies with ``http.read_body`` (which counts too), but the limit must hold for
every mounted app (web, MCP) and every future route, so it is enforced here, in front of all of
them, with ``XERO_WA_MAX_BODY_BYTES``:

- a ``Content-Length`` over the limit is answered 413 before a byte of the body is read, and one
  that is not a number 400;
- a body without a length (chunked) is counted as it arrives: past the limit, the caller gets 413
  at once and the app sees the client as gone (``http.disconnect``), so nothing past the limit
  is ever buffered.

Webhook paths (``bare_paths``) get the status with an empty body, as their own answers have:
Xero and Meta read only the status.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from component.service.http import json_response

LENGTH_HEADER = b"content-length"
ENCODING_HEADER = b"transfer-encoding"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, bare_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.limit = limit
        self.bare_paths = bare_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared == "invalid":
            await self._answer(scope, send, 400, "bad_request", "Content-Length is not a number")
            return
        if isinstance(declared, int):
            if declared > self.limit:
                await self._answer(scope, send, 413, "body_too_large", self._too_large())
                return
            # The server reads no more than a Content-Length it framed the body by: nothing
            # to count (and no wrapper on every message of every webhook).
            await self.app(scope, receive, send)
            return
        await self.app(scope, *self._counting(scope, receive, send))

    def _counting(self, scope: Scope, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """``receive`` that stops at the limit (answering 413 itself) and a ``send`` that drops
        whatever the app answers after that."""
        received = 0
        refused = started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    if not started:
                        await self._answer(scope, send, 413, "body_too_large", self._too_large())
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        return limited_receive, guarded_send

    async def _answer(self, scope: Scope, send: Send, status: int, code: str, message: str) -> None:
        """A JSON error (a bare status on webhook paths) with ``Connection: close``: the server
        drops the unread rest of the body rather than reading it."""
        if scope.get("path") in self.bare_paths:
            response = Response(status_code=status)
        else:
            response = json_response({"error": {"code": code, "message": message}}, status)
        response.headers["Connection"] = "close"

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)

    def _too_large(self) -> str:
        return f"the request body is over {self.limit} bytes (XERO_WA_MAX_BODY_BYTES)"


def declared_length(scope: Scope) -> int | str | None:
    """The Content-Length the body is framed by; None when there is none, or when a
    Transfer-Encoding is given too (then that frames the body, so it must be counted)."""
    length: int | str | None = None
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name == ENCODING_HEADER:
            return None
        if name == LENGTH_HEADER and length is None:
            text = value.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()):
                return "invalid"
            length = int(text) if len(text) <= 18 else 10**18  # any longer is over every limit
    return length
