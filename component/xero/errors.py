"""Xero's error responses, turned into the component's error tree.

Xero answers 400 with a ValidationException listing messages per element, 401 with a problem
object (``TokenExpired``), 403 ``AuthenticationUnsuccessful`` for a wrong or missing tenant,
404 for unknown ids, 429 with ``X-Rate-Limit-Problem`` and ``Retry-After``, and 5xx during
outages. Every message is assembled from Xero's text plus our own words, never request headers.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from component import errors

SERVICE = "xero"


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def validation_messages(body: Any) -> list[str]:
    """Every ValidationErrors message, prefixed by the element it belongs to when known."""
    messages: list[str] = []
    if not isinstance(body, dict):
        return messages
    for index, element in enumerate(body.get("Elements") or []):
        if not isinstance(element, dict):
            continue
        label = _element_label(element, index)
        for problem in element.get("ValidationErrors") or []:
            text = problem.get("Message") if isinstance(problem, dict) else None
            if text:
                messages.append(f"{label}: {text}")
        for line_index, line in enumerate(element.get("LineItems") or []):
            for problem in (line or {}).get("ValidationErrors") or []:
                if isinstance(problem, dict) and problem.get("Message"):
                    messages.append(f"{label}.LineItems[{line_index}]: {problem['Message']}")
    return messages


def _element_label(element: dict[str, Any], index: int) -> str:
    for key in (
        "InvoiceNumber",
        "Name",
        "Code",
        "InvoiceID",
        "ContactID",
        "PaymentID",
        "AccountID",
        "ItemID",
    ):
        value = element.get(key)
        if value and value != "00000000-0000-0000-0000-000000000000":
            return f"element {index} ({value})"
    return f"element {index}"


def retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def error_for(response: httpx.Response, what: str) -> errors.XeroWaError:
    """The error for a non-2xx Xero response to the request described by ``what``."""
    status = response.status_code
    body = _body(response)
    detail = _detail(body) or response.reason_phrase
    if status == 400:
        messages = validation_messages(body)
        if messages:
            summary = "; ".join(messages)
            return errors.UpstreamError(
                f"Xero rejected {what}: {summary}",
                errors.UpstreamInfo(SERVICE, status, _code(body), messages),
            )
        return errors.UpstreamError(
            f"Xero rejected {what}: {detail}",
            errors.UpstreamInfo(SERVICE, status, _code(body), [detail]),
        )
    if status == 401:
        return errors.ConnectionError(
            f"Xero rejected the access token for {what} ({detail})",
            reconnect="reconnect with `xero-wa connect xero` or supply a fresh access token",
        )
    if status == 403:
        return errors.ConnectionError(
            f"Xero refused {what} ({detail}): the tenant id is wrong for this token, or the "
            "connection lacks the scope this call needs",
            reconnect="check the tenant with `xero-wa run listConnections`, or reconnect with the needed scopes",
        )
    if status == 404:
        return errors.UpstreamError(
            f"Xero found nothing for {what} (404)",
            errors.UpstreamInfo(SERVICE, status, None, [detail]),
        )
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "unknown")
        wait = retry_after(response)
        when = f"; retry after {wait:g} s" if wait is not None else ""
        return errors.RateLimited(
            f"Xero's {problem} rate limit was reached for {what}{when}",
            errors.UpstreamInfo(
                SERVICE, status, problem, [], retryable=problem != "day", retry_after=wait
            ),
        )
    return errors.UpstreamError(
        f"Xero failed {what} with HTTP {status} ({detail})",
        errors.UpstreamInfo(SERVICE, status, _code(body), [detail], retryable=status >= 500),
    )


def json_body(response: httpx.Response, what: str) -> Any:
    """The decoded JSON of a successful answer; a body that is not JSON is Xero's fault, not ours."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = response.headers.get("Content-Type", "no content type")
        raise errors.UpstreamError(
            f"Xero answered {what} with a body that is not JSON ({kind})",
            errors.UpstreamInfo(SERVICE, response.status_code, None, []),
        ) from None


def transport_error(exc: httpx.TransportError, what: str) -> errors.UpstreamError:
    """A request that never got an answer (DNS, connect, reset, timeout)."""
    kind = type(exc).__name__
    return errors.UpstreamError(
        f"could not reach Xero for {what} ({kind})",
        errors.UpstreamInfo(SERVICE, None, kind, [], retryable=True),
    )


def _detail(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in (
            "Detail",
            "Message",
            "detail",
            "message",
            "error_description",
            "error",
            "Title",
        ):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _code(body: Any) -> str | int | None:
    if isinstance(body, dict):
        value = body.get("Type") or body.get("ErrorNumber") or body.get("error")
        if isinstance(value, (str, int)):
            return value
    return None
