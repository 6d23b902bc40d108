"""A one-shot HTTP listener for the OAuth redirect on a localhost redirect URI.

``xero-wa connect xero`` opens Xero's consent page in a browser; Xero then sends the browser to
the redirect URI (``http://localhost:8765/callback`` by default) with ``code`` and ``state``. This
listener answers that single request with a short page and hands the query parameters back.
Other paths (a browser's ``/favicon.ico``) get 404 and the wait goes on. Query values are never
logged: the code is a credential until it is exchanged.
"""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import parse_qsl, urlsplit

from component import errors

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
MAX_HEAD_BYTES = 16_384
PAGE = (
    "<!doctype html><title>xero-wa</title><body style='font-family:sans-serif'>"
    "<h2>{title}</h2><p>You can close this tab and return to the terminal.</p></body>"
)


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


class CallbackListener:
    """``async with CallbackListener(uri, state) as cb: params = await cb.wait(timeout)``.

    Only a request carrying ``state`` completes the wait; any other (a stale tab, a forged
    link) gets 400 and is ignored, so it can neither finish nor abort the running flow.
    """

    def __init__(self, redirect_uri: str, state: str) -> None:
        self._state = state
        parts = urlsplit(redirect_uri)
        if not is_loopback(redirect_uri):
            raise errors.InputError.single(
                "redirectUri", "the local callback listens only on an http://localhost URI"
            )
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self._result: asyncio.Future[dict[str, str]] | None = None
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> CallbackListener:
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as exc:
            raise errors.InputError.single(
                "redirectUri",
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc}); free the "
                "port or register another localhost redirect URI and pass --redirect-uri",
            ) from None
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait(self, timeout: float) -> dict[str, str]:  # noqa: ASYNC109 - a user's deadline
        """The redirect's query parameters; InputError when nobody came back in time."""
        assert self._result is not None, "use CallbackListener as an async context manager"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise errors.InputError.single(
                "callback",
                f"no authorisation came back within {timeout:g} s; run the command again "
                "(use --timeout for more time)",
            ) from None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line = head[:MAX_HEAD_BYTES].split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        target = urlsplit(parts[1]) if len(parts) >= 2 else urlsplit("/")
        done = self._result is not None and self._result.done()
        if parts[0] != "GET" or target.path != self.path or done:
            await _respond(writer, 404, "Not found")
            return
        params = dict(parse_qsl(target.query, keep_blank_values=True))
        if not hmac.compare_digest(params.get("state", "").encode(), self._state.encode()):
            await _respond(
                writer, 400, PAGE.format(title="This is not the authorisation in progress")
            )
            return
        failed = "error" in params
        title = "Authorisation refused" if failed else "Xero is connected"
        await _respond(writer, 200, PAGE.format(title=title))
        if self._result is not None and not self._result.done():
            self._result.set_result(params)


async def _respond(writer: asyncio.StreamWriter, status: int, body: str) -> None:
    data = body.encode("utf-8")
    reason = {200: "OK", 400: "Bad Request"}.get(status, "Not Found")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n"
    )
    try:
        writer.write(head.encode("latin-1") + data)
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
