"""Small HTTP helpers shared by the routes: bounded body reads, parsing off the event loop, and
JSON responses."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from component import errors
from component.values import json_default, to_jsonable

log = logging.getLogger("xero_wa.service")
T = TypeVar("T")

#: Bodies up to this size are parsed on the event loop (well under a millisecond); larger ones in
#: a worker thread, so one request never holds up the others (``/healthz`` included).
INLINE_PARSE_BYTES = 8192


class BodyTooLarge(errors.XeroWaError):
    """The request body is over the configured limit (``XERO_WA_MAX_BODY_BYTES``)."""

    code = "body_too_large"
    exit_code = 2
    http_status = 413


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes before reading (Content-Length) or while
    reading (chunked bodies), so an oversized request never sits in memory whole."""
    _refuse_declared(request.headers.get("content-length"), limit)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"request body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # gone, or cut off by BodyLimitMiddleware (which answered 413)
        raise BodyTooLarge(f"request body over {limit} bytes") from None
    return b"".join(chunks)


async def receive_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """``read_body`` for a plain ASGI app (no ``Request``): the body ``receive`` hands out."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            _refuse_declared(value.decode("latin-1"), limit)
            break
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # gone, or cut off by BodyLimitMiddleware
            raise BodyTooLarge(f"request body over {limit} bytes")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _refuse_declared(declared: str | None, limit: int) -> None:
    if (
        declared is not None
        and declared.isdigit()
        and (len(declared) > 18 or int(declared) > limit)
    ):
        raise BodyTooLarge(f"request body over {limit} bytes")


def is_large(body: bytes) -> bool:
    """Whether work on this body (parsing, validating what it holds) belongs in a thread."""
    return len(body) > INLINE_PARSE_BYTES


async def off_loop(parse: Callable[[bytes], T], body: bytes) -> T:
    """``parse(body)``: on the event loop for a small body, in a worker thread for a large one."""
    if not is_large(body):
        return parse(body)
    return await asyncio.to_thread(parse, body)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=json_default).encode
#: Lists longer than this, near the top of a result, are encoded item by item.
CHUNK_ITEMS = 64
#: How deep the item-by-item encoding goes; below it every value is one C-encoder call.
CHUNK_DEPTH = 3


def json_bytes(data: Any) -> bytes:
    """The service's one JSON encoding: compact UTF-8, the same bytes as ``json.dumps``.

    The C encoder holds the GIL for a whole call, so one call on a 2 MB result (2,000 invoices)
    would stall the event loop for tens of milliseconds even from a worker thread. Long lists
    near the top (``{"data": {"Invoices": [...]}}``) are therefore encoded one item per call,
    letting the loop run between items, while everything below them stays at C speed.
    """
    parts: list[str] = []
    try:
        _encode_into(data, parts, 0)
    except TypeError:  # a key json cannot write (e.g. a tuple): the slow, forgiving path
        parts = [_ENCODE(to_jsonable(data))]
    return "".join(parts).encode("utf-8")


def _encode_into(value: Any, parts: list[str], depth: int) -> None:
    if depth >= CHUNK_DEPTH:
        parts.append(_ENCODE(value))
    elif isinstance(value, dict):
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append(f"{',' if index else ''}{_ENCODE(str(key))}:")
            _encode_into(item, parts, depth + 1)
        parts.append("}")
    elif isinstance(value, (list, tuple)) and len(value) > CHUNK_ITEMS:
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _encode_into(item, parts, depth + 1)
        parts.append("]")
    else:
        parts.append(_ENCODE(value))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(data), status, headers, media_type="application/json")


async def result_response(result: Any) -> Response:
    """An action's result (possibly megabytes of Xero data), encoded in a worker thread."""
    body = await asyncio.to_thread(json_bytes, result)
    return Response(body, 200, media_type="application/json")


def error_response(exc: errors.XeroWaError) -> Response:
    """The error's JSON body with the HTTP status of its class; ``Retry-After`` (whole seconds,
    rounded up) when the error says how long to wait, as on a 429 or a 503."""
    headers = None
    wait = exc.retry_after if isinstance(exc, errors.UpstreamError) else None
    if wait is not None:
        headers = {"Retry-After": str(math.ceil(wait))}
    return json_response(exc.to_dict(front="api"), exc.http_status, headers)


def internal_error(exc: BaseException, where: str) -> errors.InternalError:
    """A bug: logged with a reference that the response carries, never the traceback."""
    reference = uuid.uuid4().hex[:12]
    log.error("%s crashed (reference %s)", where, reference, exc_info=exc)
    return errors.InternalError(
        f"{where} failed unexpectedly; reference {reference}", details={"reference": reference}
    )
