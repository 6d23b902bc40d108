"""JSON logs with request ids, with secrets and phone numbers masked.

One JSON object per line on stderr: ``ts``, ``level``, ``logger``, ``message``, ``requestId``
(when the line was written while serving a request) and ``exc`` for tracebacks. Every message
passes through ``mask`` first:

- the values of configured secrets (webhook key, app secret, verify token, API keys) become
  ``***`` wherever they appear;
- ``Bearer <token>``, ``access_token=...``-style pairs and ``sha256=<hex>`` signatures are cut;
- phone numbers keep only their last three digits (``+*********345``): logs are read by people
  who have no business knowing customers' numbers. Bare digit runs of ten or more are treated as
  numbers too (Meta's ``wa_id`` has no ``+``); a Unix timestamp may be masked as a side effect.

The access log line is written by ``RequestIdMiddleware`` (uvicorn's own access log is turned
off: it prints query strings, and OAuth callbacks carry the authorisation code there): one line a
request with ``method``, ``path``, ``status`` and ``durationMs``, and in its message what the
route had to say (``note_access``: "1 event(s), 1 new" for a webhook delivery) rather than a
second line. It is on the path of every webhook, so it is cheap (issue 13): the record is made
without a caller lookup, and the path and note, which repeat, are masked once and remembered.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import random
import re
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
#: What the route of the current request adds to its access line (``note_access``).
_ACCESS_NOTES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "access_notes", default=None
)
REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_HEADER_BYTES = REQUEST_ID_HEADER.encode()
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_PAIRS = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|client_secret|app_secret|webhook_key|"
    r"verify_token|token|secret|password|api_key)"
    r"(\s*[=:]\s*[\"']?)([^\s\"'&,;]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SIGNATURE = re.compile(r"(?i)\bsha256=[0-9a-f]{16,}")
_PLUS_PHONE = re.compile(r"(?<![\w+])\+\d[\d ()]{5,}\d(?![\w])")
_BARE_PHONE = re.compile(r"(?<![\w.+-])\d{10,15}(?![\w-])")

log = logging.getLogger("xero_wa.service.access")


def _mask_digits(match: re.Match[str]) -> str:
    text = match.group(0)
    total = sum(ch.isdigit() for ch in text)
    seen, out = 0, []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 3 else "*")
        elif ch != " ":
            out.append(ch)
    return "".join(out)


def mask(text: str, secret_values: Iterable[str] = ()) -> str:
    """``text`` without secrets or full phone numbers (see module docstring)."""
    for value in secret_values:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    text = _SIGNATURE.sub("sha256=***", text)
    text = _PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _PLUS_PHONE.sub(_mask_digits, text)
    return _BARE_PHONE.sub(_mask_digits, text)


#: Access-line fields copied into the JSON entry; ``path`` is masked like the message.
ACCESS_FIELDS = ("method", "path", "status", "durationMs")
#: Distinct strings whose masked form an access formatter remembers (paths and notes repeat).
MASK_MEMORY = 1024
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        super().__init__()
        self.secret_values = tuple(v for v in secret_values if v)
        self._masked: dict[str, str] = {}

    def format(self, record: logging.LogRecord) -> str:
        access = getattr(record, "access", None)
        if access is not None:
            return self._format_access(record, access)
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage(), self.secret_values),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["requestId"] = request_id
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                value = getattr(record, name)
                entry[name] = self._mask_once(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info), self.secret_values)
        return _ENCODE(entry)

    def _format_access(self, record: logging.LogRecord, access: AccessLine) -> str:
        """The access line: built from its fields, with only the path and notes masked (the
        method, status and duration are ours and cannot hold a secret or a phone number)."""
        path = self._mask_once(access.path)
        message = f"{access.method} {path} {access.status} {access.duration_ms:.2f} ms"
        if access.notes:
            message += f" ({self._mask_once('; '.join(access.notes))})"
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        if access.request_id:
            entry["requestId"] = access.request_id
        entry["method"], entry["path"] = access.method, path
        entry["status"], entry["durationMs"] = access.status, access.duration_ms
        return _ENCODE(entry)

    def _mask_once(self, text: str) -> str:
        masked = self._masked.get(text)
        if masked is None:
            masked = mask(text, self.secret_values)
            if len(self._masked) >= MASK_MEMORY:
                self._masked.clear()
            self._masked[text] = masked
        return masked


_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """``2026-07-14T09:30:00.123+00:00``; the part up to the second is made once a second."""
    global _second
    whole = math.floor(created)
    micros = round((created - whole) * 1e6)  # rounded to the microsecond, as datetime does
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    if _second[0] != whole:
        _second = (whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{micros // 1000:03d}+00:00"


def configure(level: str = "INFO", secret_values: Iterable[str] = ()) -> None:
    """Send every log line of the process through the JSON formatter (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secret_values))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # No line shows the thread or process names: no record need look them up.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def new_request_id() -> str:
    """16 hex digits: an id to find a request's lines by, not a secret (so not ``secrets``,
    whose system call on every request costs more than the rest of the id's handling)."""
    return f"{random.getrandbits(64):016x}"


def note_access(text: str) -> bool:
    """Add ``text`` to the current request's access line; False outside a request (the caller
    then logs it on its own line)."""
    notes = _ACCESS_NOTES.get()
    if notes is None:
        return False
    notes.append(text)
    return True


class AccessLine:
    """One request's access line, carried on its record as ``record.access``."""

    __slots__ = ("duration_ms", "method", "notes", "path", "request_id", "status")

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
        request_id: str,
        notes: list[str],
    ) -> None:
        self.method, self.path, self.status = method, path, status
        self.duration_ms, self.request_id, self.notes = duration_ms, request_id, notes

    def __str__(self) -> str:
        """The line's message, unmasked (for formatters other than ``JsonFormatter``)."""
        text = f"{self.method} {self.path} {self.status} {self.duration_ms:.2f} ms"
        return f"{text} ({'; '.join(self.notes)})" if self.notes else text


class RequestIdMiddleware:
    """Gives each request an id (the caller's ``X-Request-Id`` if sane), echoes it, logs access."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_request_id()
        header = (REQUEST_ID_HEADER_BYTES, request_id.encode())
        token = REQUEST_ID.set(request_id)
        notes: list[str] = []
        notes_token = _ACCESS_NOTES.set(notes)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _ACCESS_NOTES.reset(notes_token)
            if log.isEnabledFor(logging.INFO):
                elapsed = round((time.perf_counter() - started) * 1000, 2)
                line = AccessLine(
                    scope.get("method", ""),
                    scope.get("path", ""),
                    status,
                    elapsed,
                    request_id,
                    notes,
                )
                _log_access(line)
            REQUEST_ID.reset(token)


def _log_access(line: AccessLine) -> None:
    """One INFO record for ``line``, made without ``Logger.info``'s caller lookup (a walk up
    the stack on every request); its fields as attributes too, for any formatter."""
    record = log.makeRecord(
        log.name,
        logging.INFO,
        "",
        0,
        "%s",
        (line,),
        None,
        extra={
            "access": line,
            "method": line.method,
            "path": line.path,
            "status": line.status,
            "durationMs": line.duration_ms,
        },
    )
    log.handle(record)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER_BYTES:
            text = value.decode("latin-1")
            return text if _GOOD_ID.match(text) else None
    return None
