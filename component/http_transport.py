"""The process's HTTP transport: httpx's, over a connection pool that stays cheap when hundreds of
requests a second go to one host.

httpcore's own pool does O(connections) work per request, and more under concurrency: before
each request and after each response it walks every connection (an idle check builds anyio's
socket-attribute table, ``getpeername`` included: ~35 calls per WhatsApp send with 16
connections), and it hands one idle connection to every request queued at that moment, so all
but one fail with ``ConnectionNotAvailable`` and go round again (9.5 rounds per request with 8
in flight, 3,400 Python calls per request). Here a request takes the most recently used idle
connection of its origin, checks that one only, and has it to itself; a connection goes back
idle when its response is closed. HTTP/1.1 only, like httpx's default.

Keep-alive: httpx keeps an idle connection 5 s, exactly uvicorn's (and other servers') idle
timeout, so a request written as the server closes the connection gets a ``ReadError`` after
sending, which for a WhatsApp send means "outcome unknown, held for review". Idle connections
are closed here after ``KEEPALIVE_EXPIRY_SECONDS``, well before.

Everything else (requests, responses, exception mapping) is httpx's: the pool plugs into
``httpx.AsyncHTTPTransport`` where its httpcore pool was. With a proxy configured in the
environment the process uses httpx's own transport instead, which goes through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, cast

import httpcore
import httpx

#: Idle connections are closed after this long: under the 5 s of common servers' idle timeout.
KEEPALIVE_EXPIRY_SECONDS = 2.0
#: Idle connections kept (per process), beyond which the oldest are closed.
MAX_KEEPALIVE_CONNECTIONS = 48
#: Requests in flight at once (per process); more wait, up to the request's pool timeout.
MAX_CONNECTIONS = 100


def transport() -> httpx.AsyncHTTPTransport | None:
    """The process's transport: ``pooled()``, or None (httpx's own, which honours them) when a
    proxy is configured in the environment (``HTTPS_PROXY``, ``ALL_PROXY``...): httpx applies
    those only to a client built without an explicit transport, and a proxy is how many
    companies reach the internet at all."""
    from urllib.request import getproxies

    if getproxies():
        return None
    return pooled()


def pooled() -> httpx.AsyncHTTPTransport:
    """httpx's transport over ``Pool``."""
    return _Transport()


class _Transport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` with ``Pool`` as its pool (its ``handle_async_request``
    turns httpx requests into httpcore ones, calls the pool and maps httpcore's exceptions)."""

    def __init__(self) -> None:  # not super().__init__(): it would build an unused pool
        self._pool = cast(Any, Pool(httpx.create_ssl_context()))


class Pool:
    """HTTP/1.1 connections by origin: one request per connection at a time, idle ones reused
    most recent first, checked only when taken."""

    def __init__(self, ssl_context: Any = None) -> None:
        self._ssl_context = ssl_context
        self._backend = httpcore.AnyIOBackend()
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._busy = asyncio.Semaphore(MAX_CONNECTIONS)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._busy.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout("no connection was free in time") from None
        origin = request.url.origin
        try:
            connection = await self._connection(origin)
            response = await connection.handle_async_request(request)
        except BaseException:
            self._busy.release()
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_Body(response.stream, self, origin, connection),
            extensions=response.extensions,
        )

    async def _connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(_key(origin))
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()
        return httpcore.AsyncHTTPConnection(
            origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
            network_backend=self._backend,
        )

    async def _give_back(
        self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection
    ) -> None:
        """The response is closed: the connection is idle again (or closed, then dropped)."""
        self._busy.release()
        if not connection.is_idle():
            await connection.aclose()
            return
        idle = self._idle.setdefault(_key(origin), [])
        idle.append(connection)
        self._idle_count += 1
        # the least recently used go first: expired, or beyond the number kept
        while idle and (self._idle_count > MAX_KEEPALIVE_CONNECTIONS or idle[0].has_expired()):
            self._idle_count -= 1
            await idle.pop(0).aclose()

    async def aclose(self) -> None:
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for connections in idle.values():
            for connection in connections:
                await connection.aclose()

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


_Key = tuple[bytes, bytes, int]


def _key(origin: httpcore.Origin) -> _Key:
    return origin.scheme, origin.host, origin.port


class _Body:
    """A response's body; closing it gives its connection back to the pool (once)."""

    def __init__(
        self,
        stream: Any,
        pool: Pool,
        origin: httpcore.Origin,
        connection: httpcore.AsyncHTTPConnection,
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._origin = origin
        self._connection: httpcore.AsyncHTTPConnection | None = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await self._pool._give_back(self._origin, connection)
