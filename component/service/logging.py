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
off: it prints query strings, and OAuth callbacks carry the authorisation code there).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
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


class JsonFormatter(logging.Formatter):
    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        super().__init__()
        self.secret_values = tuple(v for v in secret_values if v)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage(), self.secret_values),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["requestId"] = request_id
        for name in ("method", "path", "status", "durationMs"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info), self.secret_values)
        return json.dumps(entry, ensure_ascii=False)


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


def new_request_id() -> str:
    return secrets.token_hex(8)


class RequestIdMiddleware:
    """Gives each request an id (the caller's ``X-Request-Id`` if sane), echoes it, logs access."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_request_id()
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = round((time.perf_counter() - started) * 1000, 2)
            path = scope.get("path", "")
            log.info(
                "%s %s %s %.2f ms",
                scope.get("method"),
                path,
                status,
                elapsed,
                extra={
                    "method": scope.get("method"),
                    "path": path,
                    "status": status,
                    "durationMs": elapsed,
                },
            )
            REQUEST_ID.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _GOOD_ID.match(text) else None
    return None
