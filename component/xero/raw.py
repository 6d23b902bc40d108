"""rawRequest's inputs turned into one Xero call: path, query, headers, body and retry policy.

The request may only go under the accounting API base: the connection's token and tenant are
attached to it, so an absolute URL to any other host (or a ``..`` climbing out of the API) is
refused rather than sent with the user's credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from component import errors
from component.spec.templates import as_mapping
from component.xero.retry import RetryPolicy

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
RESPONSE_TYPES = ("json", "text", "binary")
ACCEPT = {"json": "application/json", "text": "text/plain, */*", "binary": "*/*"}
CONTEXT = "action rawRequest"


@dataclass
class RawCall:
    """Everything ``XeroClient.request`` needs for the raw call."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    files: list[tuple[str, tuple[str | None, Any]]] | None = None
    response_type: str = "json"
    timeout: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def _bad(field_name: str, reason: str) -> errors.InputError:
    return errors.InputError.single(field_name, reason, context=CONTEXT)


def build(inputs: Mapping[str, Any], api_base: str) -> RawCall:
    method = str(inputs["method"]).strip().upper()
    if method not in METHODS:
        raise _bad("method", f"{method!r} is not an HTTP method; use one of {', '.join(METHODS)}")
    response_type = str(inputs.get("responseType") or "json").strip().lower()
    if response_type not in RESPONSE_TYPES:
        raise _bad("responseType", f"use one of {', '.join(RESPONSE_TYPES)}")
    path, url_params = api_path(str(inputs["url"]), api_base)
    call = RawCall(method, path, response_type=response_type)
    call.params = {**url_params, **_pairs("queryParams", inputs.get("queryParams"))}
    call.headers = {"Accept": ACCEPT[response_type]}
    call.headers.update(_pairs("headers", inputs.get("headers")))
    _body(call, inputs)
    timeout_ms = inputs.get("timeout")
    call.timeout = int(timeout_ms) / 1000 if timeout_ms else None
    call.retry = RetryPolicy(
        retries=int(inputs.get("maxRetries") or 0),
        base_delay=int(inputs.get("retryDelayMS") or 0) / 1000,
        exponential=bool(inputs.get("useExponentialBackoff")),
        retry_all_errors=bool(inputs.get("retryAllErrors")),
    )
    if call.retry.exponential:
        call.retry = RetryPolicy(
            retries=call.retry.retries, retry_all_errors=call.retry.retry_all_errors
        )
    return call


def api_path(url: str, api_base: str) -> tuple[str, dict[str, str]]:
    """The path under ``api_base`` (and any query in it) for ``/Accounts`` or a full API URL."""
    text = url.strip()
    base = urlsplit(api_base)
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        same_host = (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
        if not same_host or not (parts.path + "/").startswith(base.path.rstrip("/") + "/"):
            raise _bad(
                "url",
                f"only paths under the Xero API ({api_base}) are allowed, such as /Invoices; "
                f"{parts.scheme}://{parts.netloc} is refused",
            )
        path = parts.path[len(base.path.rstrip("/")) :]
    else:
        path = parts.path
    path = "/" + path.lstrip("/")
    if ".." in path.split("/"):
        raise _bad("url", "'..' is not allowed in the path")
    return path, dict(parse_qsl(parts.query, keep_blank_values=True))


def _pairs(field_name: str, value: Any) -> dict[str, str]:
    try:
        mapping = as_mapping(field_name, value)
    except ValueError as exc:
        raise _bad(field_name, str(exc)) from None
    return {str(k): "" if v is None else str(v) for k, v in mapping.items()}


def _body(call: RawCall, inputs: Mapping[str, Any]) -> None:
    """Raw ``data``, or a multipart upload of ``formData`` and ``fileData``."""
    files = _pairs("fileData", inputs.get("fileData"))
    names = _pairs("fileDataFileNames", inputs.get("fileDataFileNames"))
    form = _pairs("formData", inputs.get("formData"))
    data = inputs.get("data")
    if (files or form) and data:
        raise _bad("data", "give either Data or Form Data / File Data, not both")
    if files or form:
        parts: list[tuple[str, tuple[str | None, Any]]] = [(k, (None, v)) for k, v in form.items()]
        parts += [(k, (names.get(k, k), v.encode())) for k, v in files.items()]
        call.files = parts
        return
    if data:
        call.content = str(data).encode()
        if not any(name.lower() == "content-type" for name in call.headers):
            call.headers["Content-Type"] = _content_type(str(data))


def _content_type(data: str) -> str:
    try:
        json.loads(data)
    except json.JSONDecodeError:
        return "text/plain; charset=utf-8"
    return "application/json"
