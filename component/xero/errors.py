"""Xero's error responses, turned into the component's error tree.

Xero answers 400 with a ValidationException listing messages per element, 401 with a problem
object (``TokenExpired``), 403 ``AuthenticationUnsuccessful`` for a wrong or missing tenant,
404 for unknown ids, 429 with ``X-Rate-Limit-Problem`` and ``Retry-After``, and 5xx during
outages. Every message is assembled from Xero's text plus our own words, never request headers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
    """Every ValidationErrors message, each prefixed by the element (and nested part) it is on.

    Xero puts messages on the element (``Elements[i].ValidationErrors``) and on nested parts
    (``LineItems[j]``, ``Contact``, ``Addresses[k]``...); a user fixing a 40-line invoice needs
    to know which line, so nested paths are kept: ``element 0 (INV-9).LineItems[2]: ...``.
    """
    messages: list[str] = []
    if not isinstance(body, dict):
        return messages
    for index, element in enumerate(body.get("Elements") or []):
        if isinstance(element, dict):
            _collect(element, _element_label(element, index), messages)
    return messages


def _collect(node: dict[str, Any], where: str, out: list[str]) -> None:
    for problem in node.get("ValidationErrors") or []:
        text = problem.get("Message") if isinstance(problem, dict) else None
        if text:
            out.append(f"{where}: {text}")
    for key, value in node.items():
        if key in ("ValidationErrors", "Warnings"):
            continue
        if isinstance(value, dict):
            _collect(value, f"{where}.{key}", out)
        elif isinstance(value, list):
            for position, item in enumerate(value):
                if isinstance(item, dict):
                    _collect(item, f"{where}.{key}[{position}]", out)


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
    """The error for a non-2xx Xero response to the request described by ``what``.

    By cause (``component.errors``): a 400 (ValidationException, a ``where`` Xero cannot parse)
    or another 4xx is the caller's request → 422 with Xero's messages; 404 → 404; 401/403 (the
    auth flow has already refreshed once) → the connection; 429 → rate limited; only 5xx are
    Xero's own failures.
    """
    status = response.status_code
    body = _body(response)
    detail = _detail(body) or response.reason_phrase
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
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "unknown")
        return rate_limit_error(problem, retry_after(response), what)
    if status == 404:
        return errors.UpstreamNotFound(
            f"Xero found nothing for {what} (404)",
            errors.UpstreamInfo(SERVICE, status, None, [detail]),
        )
    cls = errors.upstream_class(status)
    if cls is errors.UpstreamRejected:
        messages = validation_messages(body) or [detail]
        return cls(
            f"Xero rejected {what}: {'; '.join(messages)}",
            errors.UpstreamInfo(SERVICE, status, _code(body), messages),
        )
    return cls(
        f"Xero failed {what} with HTTP {status} ({detail})",
        errors.UpstreamInfo(
            SERVICE,
            status,
            _code(body),
            [detail],
            retryable=status >= 500,
            retry_after=retry_after(response) if status == 503 else None,
        ),
    )


def rate_limit_error(
    problem: str, wait: float | None, what: str, note: str = ""
) -> errors.RateLimited:
    """A 429 that will not be (or no longer is) waited out; ``note`` says why not."""
    when = f"; retry after {wait:g} s" if wait is not None else ""
    return errors.RateLimited(
        f"Xero's {problem} rate limit was reached for {what}{when}{note}",
        errors.UpstreamInfo(
            SERVICE, 429, problem, [], retryable=problem != "day", retry_after=wait
        ),
    )


def day_limit_error(
    what: str, seconds: float, resets_at: datetime, *, by_xero: bool, budget: int
) -> errors.RateLimited:
    """The tenant's daily calls are used up: say when they come back, and do not wait.

    ``by_xero`` tells whether Xero answered 429 ``day`` or our own budget (``budget`` calls per
    rolling 24 hours, ``XERO_DAILY_CALL_BUDGET``) stopped the call before it was sent.
    """
    seconds = max(0.0, seconds)
    whose = "Xero's day rate limit" if by_xero else f"the daily budget of {budget} Xero calls"
    at = resets_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return errors.RateLimited(
        f"{whose} for this organisation is used up, so {what} was not sent; "
        f"it resets in {_duration(seconds)} (at {at})",
        errors.UpstreamInfo(SERVICE, 429, "day", [], retryable=False, retry_after=seconds),
    )


def _duration(seconds: float) -> str:
    minutes = int(-(-seconds // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


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
    timed_out = isinstance(exc, httpx.TimeoutException)
    cls = errors.upstream_class(None, timed_out=timed_out)
    said = (
        f"Xero did not answer {what} in time" if timed_out else f"could not reach Xero for {what}"
    )
    return cls(
        f"{said} ({kind})",
        errors.UpstreamInfo(SERVICE, None, kind, [], retryable=True),
    )


def tenant_header(tenant_id: str) -> str:
    """The ``Xero-tenant-Id`` value; a tenant id that cannot be a header is the caller's input."""
    text = tenant_id.strip()
    if not text.isascii() or not text.isprintable() or len(text) > 100:
        raise errors.InputError.single(
            "tenantId",
            f"{text[:40]!a} is not a Xero tenant id (a GUID such as "
            "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10)",
        )
    return text


def unsendable(exc: httpx.InvalidURL | UnicodeEncodeError, what: str) -> errors.InputError:
    """A request that cannot be written at all (a URL too long, a header that is not ASCII):
    built from the caller's values, so it is their input, not Xero's failure."""
    reason = (
        f"its URL cannot be sent ({exc})"
        if isinstance(exc, httpx.InvalidURL)
        else "a header would hold characters that are not ASCII text"
    )
    return errors.InputError.single("request", f"{what}: {reason}")


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
