"""Meta's error bodies (and lost answers) turned into the component's error tree.

Graph answers ``{"error": {"message", "type", "code", "error_subcode"?, "error_data":
{"details"}, "fbtrace_id"}}``. The integer ``code`` decides everything (``component.whatsapp.codes``);
Meta's text is only quoted. Mapping:

- token problems (190, 0, permissions, any HTTP 401/403) → ``WhatsAppAuthError``, a
  ConnectionError (424): a person must supply a new token, retrying cannot help;
- rate limits (130429, 131056, 4, 80007, 131048) → ``errors.RateLimited`` (429);
- an object that does not exist (code 100 subcode 33) → ``errors.UpstreamNotFound``;
- Meta's own failures (``transient`` codes, unknown codes with a 5xx) → 502/503/504;
- every other refusal (template, parameters, recipient, window) → ``errors.UpstreamRejected``
  (422): the request or the account's setup must change; ``info.retryable`` comes from the table;
- a send whose answer was lost after the request left → ``SendOutcomeUnknown``: it may have been
  delivered, and /messages has no idempotency key, so it is never resent automatically.

The predicates at the bottom are what the reminder job branches on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from component import errors
from component.whatsapp.codes import UNKNOWN, CodeInfo, Kind, lookup

SERVICE = "whatsapp"
RECONNECT = (
    "update the whatsappCloud connection with a new access token (`xero-wa connect whatsapp`)"
)
RATE_KINDS: frozenset[Kind] = frozenset({"throughput", "pair", "rate", "spam"})
THROUGHPUT_RETRY_AFTER = 1.0


class SendOutcomeUnknown(errors.UpstreamError):
    """The request may have reached Meta but its answer was lost: the message may exist."""

    code = "send_outcome_unknown"


class WhatsAppAuthError(errors.ConnectionError):
    """Meta rejected the token (190, 401) or its permissions; carries Meta's code like others."""

    def __init__(self, message: str, info: errors.UpstreamInfo) -> None:
        super().__init__(message, reconnect=RECONNECT)
        self.info = info
        if info.upstream_code is not None:
            self.details["upstreamCode"] = info.upstream_code
        self.details["service"] = SERVICE


@dataclass(frozen=True)
class Subject:
    """What was being done, for messages: ``what`` plus the fields advice may mention."""

    what: str
    to: str | None = None
    template: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str
    details: str | None
    fbtrace_id: str | None


def parse_graph_error(response: httpx.Response) -> GraphError | None:
    """Meta's error object, or None when the body is not a Graph error (a proxy's page)."""
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    return GraphError(
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        message=str(error.get("message") or ""),
        details=details if isinstance(details, str) and details else None,
        fbtrace_id=error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None,
    )


def error_for(
    response: httpx.Response, subject: Subject, *, pair_wait: float | None = None
) -> errors.XeroWaError:
    """The error for a non-2xx answer from Meta to ``subject``."""
    status = response.status_code
    graph = parse_graph_error(response)
    if graph is None or graph.code is None:
        return _bare_status_error(response, subject)
    entry = lookup(graph.code)
    advice = entry.advice.format(
        to=subject.to or "the recipient",
        template=subject.template or "?",
        language=subject.language or "?",
    )
    said = graph.details or graph.message
    message = f"{graph.code}: {advice} ({subject.what}; Meta: {said})"
    retryable = entry.retryable or (status >= 500 and entry is UNKNOWN)
    info = errors.UpstreamInfo(
        SERVICE,
        status,
        graph.code,
        _messages(graph),
        retryable=retryable,
        retry_after=_retry_after(entry.kind, pair_wait),
    )
    if entry.kind == "connection" or status == 401:
        return WhatsAppAuthError(message, info)
    if entry.kind in RATE_KINDS:
        return errors.RateLimited(message, info)
    return _class_of(graph, entry, status)(message, info)


#: Object ``…`` does not exist, cannot be loaded due to missing permissions, or does not support
#: this operation (code 100): Graph's "not found".
NOT_FOUND_SUBCODE = 33


def _class_of(graph: GraphError, entry: CodeInfo, status: int) -> type[errors.UpstreamError]:
    """The error class of a Graph error that is neither a token problem nor a rate limit."""
    if graph.code == 100 and graph.subcode == NOT_FOUND_SUBCODE:
        return errors.UpstreamNotFound
    if entry.kind == "transient":
        return errors.upstream_class(status) if status >= 500 else errors.UpstreamUnavailable
    if entry is UNKNOWN and (status >= 500 or status == 404):
        return errors.upstream_class(status)
    return errors.UpstreamRejected


def _bare_status_error(response: httpx.Response, subject: Subject) -> errors.XeroWaError:
    status = response.status_code
    info = errors.UpstreamInfo(SERVICE, status, None, [response.reason_phrase or ""])
    if status in (401, 403):
        return WhatsAppAuthError(
            f"Meta rejected the access token for {subject.what} (HTTP {status})", info
        )
    info.retryable = status >= 500 or status == 429
    return errors.upstream_class(status)(
        f"WhatsApp answered {subject.what} with HTTP {status} and no Graph error body", info
    )


def _retry_after(kind: Kind, pair_wait: float | None) -> float | None:
    if kind == "throughput":
        return THROUGHPUT_RETRY_AFTER
    if kind == "pair":
        return pair_wait
    return None


def _messages(graph: GraphError) -> list[str]:
    out = [graph.message] if graph.message else []
    if graph.details and graph.details not in out:
        out.append(graph.details)
    return out


def unreached(exc: httpx.TransportError, subject: Subject) -> errors.UpstreamError:
    """The request provably never reached Meta (no connection was made): nothing was sent."""
    kind = type(exc).__name__
    return _unanswered(exc)(
        f"could not reach WhatsApp for {subject.what} ({kind}); nothing was sent, it is safe "
        "to try again",
        errors.UpstreamInfo(SERVICE, None, kind, [], retryable=True),
    )


def call_failed(exc: httpx.TransportError, subject: Subject) -> errors.UpstreamError:
    """A repeatable call (listing, upload) that got no answer, after its retries."""
    kind = type(exc).__name__
    return _unanswered(exc)(
        f"WhatsApp did not answer {subject.what} ({kind}); try again later",
        errors.UpstreamInfo(SERVICE, None, kind, [], retryable=True),
    )


def _unanswered(exc: httpx.TransportError) -> type[errors.UpstreamError]:
    return errors.upstream_class(None, timed_out=isinstance(exc, httpx.TimeoutException))


def outcome_unknown(subject: Subject, cause: str) -> SendOutcomeUnknown:
    """A send whose answer was lost after the request left: never resent blindly."""
    return SendOutcomeUnknown(
        f"the outcome of {subject.what} is unknown ({cause}): the message may have been sent. "
        "It was not resent automatically because WhatsApp has no idempotency key; check its "
        "status (status webhook, callback data) before sending again",
        errors.UpstreamInfo(SERVICE, None, "outcome_unknown", [cause], retryable=False),
    )


# ----------------------------------------------------------------------------- predicates
def meta_code(err: BaseException) -> int | None:
    """Meta's integer error code carried by ``err``, if any."""
    info = getattr(err, "info", None)
    code = getattr(info, "upstream_code", None)
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def error_kind(err: BaseException) -> Kind | None:
    """The table's kind for ``err``'s Meta code (None when it carries no known code)."""
    code = meta_code(err)
    if code is None:
        return "connection" if isinstance(err, WhatsAppAuthError) else None
    entry = lookup(code)
    return None if entry is UNKNOWN else entry.kind


def is_configuration_error(err: BaseException) -> bool:
    """Setup is wrong (template, token, permissions, test list...): every similar send fails."""
    return error_kind(err) in ("config", "connection")


def is_undeliverable(err: BaseException) -> bool:
    """The recipient cannot receive WhatsApp messages (131026): use another channel."""
    return meta_code(err) == 131026


def is_window_error(err: BaseException) -> bool:
    """Free-form text outside the 24-hour window (131047): send a template instead."""
    return meta_code(err) == 131047


def is_rate_limited(err: BaseException) -> bool:
    """A throughput, pair, app/account or spam limit."""
    return error_kind(err) in RATE_KINDS


def is_outcome_unknown(err: BaseException) -> bool:
    return isinstance(err, SendOutcomeUnknown)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
