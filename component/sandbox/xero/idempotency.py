"""``Idempotency-Key`` on Xero writes: a replay gets the first answer and changes nothing.

The key is remembered per app and tenant for ``idempotency_seconds`` together with a fingerprint
of the request (method, path, query, body). The same key with a different request is a client bug
(two operations sharing a key) and gets 400 instead of silently returning the wrong answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.responses import Response

from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig

MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status: int
    media_type: str | None
    body: bytes
    headers: tuple[tuple[str, str], ...]
    at: datetime

    def response(self) -> Response:
        return Response(
            self.body, self.status, headers=dict(self.headers), media_type=self.media_type
        )


class IdempotencyStore:
    def __init__(self, clock: SandboxClock, config: SandboxConfig) -> None:
        self.clock = clock
        self.config = config
        self._entries: dict[tuple[str, str, str], Stored] = {}
        self.replays = 0
        self.conflicts = 0

    @staticmethod
    def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
        digest = hashlib.sha256()
        for part in (method.upper().encode(), path.encode(), query.encode()):
            digest.update(part + b"\0")
        digest.update(body)
        return digest.hexdigest()

    def lookup(self, scope: tuple[str, str, str], fingerprint: str) -> Stored | bool | None:
        """The stored answer to replay, ``False`` for a conflicting reuse, ``None`` if new."""
        self._purge()
        stored = self._entries.get(scope)
        if stored is None:
            return None
        if stored.fingerprint != fingerprint:
            self.conflicts += 1
            return False
        self.replays += 1
        return stored

    def save(self, scope: tuple[str, str, str], fingerprint: str, response: Response) -> None:
        keep = tuple(
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        )
        self._entries[scope] = Stored(
            fingerprint,
            response.status_code,
            response.media_type,
            bytes(response.body),
            keep,
            self.clock.now(),
        )

    def _purge(self) -> None:
        horizon = self.clock.now() - timedelta(seconds=self.config.xero.idempotency_seconds)
        for key in [k for k, v in self._entries.items() if v.at < horizon]:
            del self._entries[key]

    def reset(self) -> None:
        self._entries.clear()
        self.replays = self.conflicts = 0
