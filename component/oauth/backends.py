"""Where a token keeper keeps its token set: the store (named connections) or memory (inline).

Stored connections are shared by every process using the same ``XERO_WA_HOME``; their refresh is
serialised by :func:`~component.storage.locks.refresh_mutex` (a lock file beside SQLite, an
advisory lock on PostgreSQL, held across hosts) and recorded in short transactions
run in a worker thread (``asyncio.to_thread``), so a slow disk or a busy store never freezes the
event loop. Inline client-credentials connections live only as long as the process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from component import errors
from component.oauth.token_set import TokenSet
from component.storage.database import StoreError
from component.storage.tokens import NEEDS_REAUTH, Inflight, TokenRecord, TokenRepo

if TYPE_CHECKING:
    from component.storage.locks import AdvisoryRefreshMutex, RefreshMutex

T = TypeVar("T")


class TokenBackend(Protocol):
    """The storage side of the refresh protocol (see ``component.storage.tokens``)."""

    #: How messages name the connection: ``connection 'acme'``.
    label: str

    async def load(self) -> TokenRecord | None: ...

    def mutex(self) -> AbstractAsyncContextManager[object]: ...

    async def begin(self, refresh_token: str | None, owner: str, now: datetime) -> int: ...

    async def finish(
        self, tokens: TokenSet, used: str | None, generation: int, now: datetime
    ) -> TokenSet: ...

    async def refuse(self, reason: str, now: datetime) -> None: ...


class StoredBackend:
    def __init__(
        self,
        repo: TokenRepo,
        name: str,
        mutex: RefreshMutex | AdvisoryRefreshMutex,
        store_path: str,
    ) -> None:
        self._repo = repo
        self._name = name
        self._mutex = mutex
        self._store_path = store_path
        self.label = f"connection {name!r}"

    async def load(self) -> TokenRecord | None:
        return await self._io(self._repo.get, self._name, doing="read the tokens of")

    def mutex(self) -> AbstractAsyncContextManager[object]:
        return self._mutex

    async def begin(self, refresh_token: str | None, owner: str, now: datetime) -> int:
        return await self._io(
            self._repo.begin_refresh,
            self._name,
            refresh_token,
            owner,
            now,
            doing="record the token refresh of",
        )

    async def finish(
        self, tokens: TokenSet, used: str | None, generation: int, now: datetime
    ) -> TokenSet:
        """Persist the new tokens before anyone uses them; never hand out unsaved tokens."""
        try:
            saved = await asyncio.to_thread(
                self._repo.finish_refresh, self._name, tokens, used, generation, now
            )
        except _store_errors() as exc:
            raise errors.ConnectionError(
                f"Xero issued new tokens for {self.label} but they could not be saved to "
                f"{self._store_path} ({exc}); they were not used. The stored refresh token stays "
                "valid at Xero for 30 minutes, and the next call retries with it",
                reconnect=f"make {self._store_path} writable (disk space, permissions) and run the "
                f"command again within 30 minutes; after that, run `xero-wa connect xero --name "
                f"{self._name}`",
            ) from None
        if saved:
            return tokens
        # The connection was replaced (re-authorised) while we refreshed: its tokens win.
        record = await self.load()
        if record is None or record.tokens is None:
            raise errors.ConnectionError(
                f"{self.label} was removed while its tokens were being refreshed",
                reconnect=f"run `xero-wa connect xero --name {self._name}`",
            )
        return record.tokens

    async def refuse(self, reason: str, now: datetime) -> None:
        await self._io(self._repo.mark_needs_reauth, self._name, reason, now, doing="update")

    async def _io(self, fn: Callable[..., T], *args: object, doing: str) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except _store_errors() as exc:
            raise errors.ConnectionError(
                f"could not {doing} {self.label} in {self._store_path} ({exc})",
                reconnect=f"check that {self._store_path} is readable and writable",
            ) from None


def _store_errors() -> tuple[type[Exception], ...]:
    """What a stored connection's I/O may raise. sqlite3 is imported only here, once such I/O
    failed: an inline connection (``run --sandbox``) never loads it."""
    import sqlite3

    return (sqlite3.Error, StoreError)


class MemoryBackend:
    """A token set held by this process only (inline client-credentials connections)."""

    def __init__(self, label: str, grant_type: str) -> None:
        self.label = label
        self._record = TokenRecord(connection="", grant_type=grant_type, tokens=None)

    async def load(self) -> TokenRecord | None:
        return self._record

    def mutex(self) -> AbstractAsyncContextManager[object]:
        return _no_lock()

    async def begin(self, refresh_token: str | None, owner: str, now: datetime) -> int:
        self._record = replace(self._record, inflight=Inflight(refresh_token, now, owner))
        return self._record.generation

    async def finish(
        self, tokens: TokenSet, used: str | None, generation: int, now: datetime
    ) -> TokenSet:
        self._record = replace(
            self._record, tokens=tokens, inflight=None, generation=generation + 1
        )
        return tokens

    async def refuse(self, reason: str, now: datetime) -> None:
        self._record = replace(
            self._record, status=NEEDS_REAUTH, status_reason=reason, inflight=None
        )


@contextlib.asynccontextmanager
async def _no_lock() -> AsyncIterator[None]:
    """One process, one keeper: its asyncio.Lock already serialises refreshes."""
    yield None
