"""A TCP proxy in front of PostgreSQL that drops one connection at a chosen statement.

Tests point the store at ``proxy.url(postgres_url)`` and ``arm`` a trigger: a predicate on the
statement a client sends (and the statements sent since its transaction began). When it fires,
the connection is lost in one of three ways:

- ``"before"``: the statement never reaches the server; both sides see the connection close
  (a network cut mid-transaction: the server rolls back);
- ``"after"``: the statement reaches the server, which runs it, but its answer never reaches
  the client (for a COMMIT: the change is stored and the client cannot know it);
- ``"terminate"``: the server kills the session (``pg_terminate_backend``) before the statement
  arrives, as an administrator or a failover would, and the client gets the server's FATAL.

``proxy`` is the fixture: a DropProxy in front of the test server, closed after the test (a test
module takes it with ``proxy = pg_drop_proxy.proxy``).

It reads the protocol's message framing (no TLS: the URL says ``sslmode=disable``) to see each
statement: simple queries, and the extended protocol's Parse/Bind, prepared statements included.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.storage.postgres_fixture import require_server

How = Literal["before", "after", "terminate"]
#: ``when(statement, statements_since_begin)``: True to drop the connection at ``statement``.
Trigger = Callable[[str, list[str]], bool]


@dataclass
class _Arming:
    when: Trigger
    how: How


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    pid: int | None = None
    statements: dict[str, str] = field(default_factory=dict)
    since_begin: list[str] = field(default_factory=list)
    muted: bool = False  # the server's answers are no longer passed on


class DropProxy:
    def __init__(self, upstream_url: str, admin_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._admin_url = admin_url
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._armed: _Arming | None = None
        #: The statements at which a connection was dropped, in order.
        self.fired: list[str] = []
        self._links: list[_Link] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        """``url`` through this proxy, in clear text (so the statements can be read)."""
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        location = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        query = "&".join(q for q in (parts.query, "sslmode=disable&gssencmode=disable") if q)
        return urlunsplit((parts.scheme, location, parts.path, query, ""))

    def arm(self, when: Trigger, how: How) -> None:
        """Drop the next connection whose statement satisfies ``when`` (once)."""
        with self._lock:
            self._armed = _Arming(when, how)

    def refuse_new(self) -> None:
        """Accept no more connections (the server looks gone to anyone connecting now)."""
        self._closed = True
        _close(self._listener)  # shutdown() first: it ends the accept() waiting in our thread

    def close(self) -> None:
        self.refuse_new()
        for link in self._links:
            _close(link.client)
            _close(link.server)

    # ------------------------------------------------------------------ plumbing
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            for end in (client, server):  # one small message at a time: no Nagle delays
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, server)
            self._links.append(link)
            threading.Thread(target=self._client_to_server, args=(link,), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(link,), daemon=True).start()

    def _client_to_server(self, link: _Link) -> None:
        with contextlib.suppress(OSError):
            startup = _read_exact(link.client, 4)
            length = struct.unpack("!i", startup)[0]
            link.server.sendall(startup + _read_exact(link.client, length - 4))
            while True:
                head = _read_exact(link.client, 5)
                kind, length = head[:1], struct.unpack("!i", head[1:])[0]
                message = head + _read_exact(link.client, length - 4)
                statement = self._statement(link, kind, message[5:])
                arming = self._fire(link, statement) if statement is not None else None
                if arming is None:
                    link.server.sendall(message)
                    continue
                self._drop(link, arming.how, message)
                return

    def _statement(self, link: _Link, kind: bytes, body: bytes) -> str | None:
        """The SQL this message runs (None for messages that run nothing)."""
        if kind == b"Q":
            return body.rstrip(b"\0").decode()
        if kind == b"P":  # Parse: name, query (runs at Bind)
            name, rest = body.split(b"\0", 1)
            link.statements[name.decode()] = rest.split(b"\0", 1)[0].decode()
            return None
        if kind == b"B":  # Bind: portal, statement name
            _portal, rest = body.split(b"\0", 1)
            return link.statements.get(rest.split(b"\0", 1)[0].decode(), "")
        return None

    def _fire(self, link: _Link, statement: str) -> _Arming | None:
        text = statement.strip()
        if text.upper().startswith("BEGIN"):
            link.since_begin = []
        with self._lock:
            arming = self._armed
            if arming is not None and arming.when(text, list(link.since_begin)):
                self._armed = None
                self.fired.append(text)
            else:
                arming = None
        link.since_begin.append(text)
        return arming

    def _drop(self, link: _Link, how: How, message: bytes) -> None:
        if how == "terminate":
            with psycopg.connect(self._admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (link.pid,))
            with contextlib.suppress(OSError):
                link.server.sendall(message)
            return  # the server's FATAL and its close reach the client as they come
        link.muted = True
        if how == "after":
            link.server.sendall(message)
            if message[:1] == b"B":  # the extended protocol runs it once Execute and Sync come
                while message[:1] != b"S":
                    head = _read_exact(link.client, 5)
                    message = head + _read_exact(link.client, struct.unpack("!i", head[1:])[0] - 4)
                    link.server.sendall(message)
        # The server reads what it was sent, then the end of the stream (no reset, which could
        # discard it); the client sees its connection closed.
        link.server.shutdown(socket.SHUT_WR)
        _close(link.client)

    def _server_to_client(self, link: _Link) -> None:
        with contextlib.suppress(OSError):
            while True:
                head = _read_exact(link.server, 5)
                message = head + _read_exact(link.server, struct.unpack("!i", head[1:])[0] - 4)
                if head[:1] == b"K":  # BackendKeyData: the session's process id
                    link.pid = struct.unpack("!i", message[5:9])[0]
                if not link.muted:
                    link.client.sendall(message)
        if not link.muted:
            _close(link.client)
        _close(link.server)


@pytest.fixture
def proxy() -> Iterator[DropProxy]:
    """A DropProxy in front of the test server (skips, saying why, without one)."""
    server = require_server()
    dropper = DropProxy(server, admin_url=server)
    yield dropper
    dropper.close()


def _read_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("closed")
        chunks += chunk
    return bytes(chunks)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
