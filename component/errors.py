"""The one error tree of the component.

Every failure a user can see is one of these classes. Each class is mapped exactly once to an HTTP
status (for the JSON service) and a process exit code (for the CLI), so the three front ends agree::

    XeroWaError                       exit  http
     ├── InputError                     2    400   bad or missing inputs (lists every bad field)
     │    └── UnknownKeyError           2    404   no action / trigger / data source by that key
     ├── SpecError                      3    500   a YAML spec is broken (file and field named)
     ├── ConnectionError                4    424   the connection is missing or needs re-authorisation
     ├── UpstreamError                  5    502   Xero or Meta failed (5xx, unusable answer, network)
     │    ├── UpstreamRejected          2    422   Xero or Meta refused the request as given (its 400s)
     │    ├── UpstreamNotFound          2    404   Xero or Meta has nothing with that id
     │    ├── UpstreamUnavailable       5    503   Xero or Meta answered 503 (maintenance, overload)
     │    ├── UpstreamTimeout           5    504   no answer in time
     │    └── RateLimited               6    429   a rate limit was hit and waiting is not allowed
     ├── ConfigError                   10    500   a setting (variable or .env line) is unusable
     ├── StoreError                    11    503   the store is missing, emptied, corrupt, read-only,
     │                                             too old/new for this code, or unreachable
     └── InternalError                  1    500   a bug: never expected, always reported

Upstream failures are mapped by cause, not by who answered: what the caller must change (a Xero
ValidationException, an unknown id) is a 4xx with the upstream messages and exit code 2, like
our own input errors; only the upstream service's own failures are 5xx. ``upstream_class`` picks
the class from the upstream status, so the Xero and WhatsApp clients agree. An error that carries
``retry_after`` is answered with a ``Retry-After`` header by the service.

Messages never contain secrets: errors are built from our own words plus the upstream service's
error text, never from request headers or connection values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar


class XeroWaError(Exception):
    """Base class. ``code`` is the stable machine-readable name used in JSON error bodies."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self, front: str = "cli") -> dict[str, Any]:
        """The JSON error object shared by the CLI (stderr) and the service (response body).

        ``front`` is who reads it: ``cli`` (a person at the command line, the MCP server's
        operator) or ``api`` (an HTTP client), so a fix names what that reader can do.
        """
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


@dataclass(frozen=True)
class FieldProblem:
    """One bad input: ``field`` is a path such as ``lineItems[0].Quantity``."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class InputError(XeroWaError):
    """One or more inputs are wrong. The message lists every problem, not just the first."""

    code = "input_error"
    exit_code = 2
    http_status = 400

    def __init__(self, problems: list[FieldProblem], *, context: str = "") -> None:
        self.problems = problems
        lead = f"{context}: " if context else ""
        if len(problems) == 1:
            message = f"{lead}invalid input {problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in problems)
            message = f"{lead}{len(problems)} invalid inputs:\n{lines}"
        super().__init__(
            message,
            details={"fields": [{"field": p.field, "reason": p.reason} for p in problems]},
        )

    @classmethod
    def single(cls, field_path: str, reason: str, *, context: str = "") -> InputError:
        return cls([FieldProblem(field_path, reason)], context=context)


class UnknownKeyError(InputError):
    """No registered action/trigger/data source/connection has this key; suggests close keys."""

    code = "unknown_key"
    http_status = 404

    def __init__(self, kind: str, key: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__([FieldProblem("key", f"no {kind} named {key!r}{hint}")])
        self.message = f"unknown {kind} {key!r}{hint}"
        self.args = (self.message,)
        self.details["suggestions"] = suggestions


class SpecError(XeroWaError):
    """A spec file is invalid. ``problems`` carry file, line and field where known."""

    code = "spec_error"
    exit_code = 3
    http_status = 500

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = f"invalid spec: {problems[0]}"
        else:
            message = f"{len(problems)} spec problems:\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(message, details={"problems": problems})


class ConnectionError(XeroWaError):
    """The connection is missing, unusable or needs the user to authorise again.

    ``reconnect`` is the command (or route) that fixes it, so the message can say exactly what to do.
    ``api_reconnect`` is the same fix for an HTTP API client when it differs (a body field, not a
    command-line flag such as ``--connection``); the service answers with it.
    """

    code = "connection_error"
    exit_code = 4
    http_status = 424

    def __init__(
        self, message: str, *, reconnect: str | None = None, api_reconnect: str | None = None
    ) -> None:
        full = f"{message}. Fix: {reconnect}" if reconnect else message
        super().__init__(full, details={"reconnect": reconnect} if reconnect else None)
        self.problem = message
        self.reconnect = reconnect
        self.api_reconnect = api_reconnect

    def to_dict(self, front: str = "cli") -> dict[str, Any]:
        if front != "api" or not self.api_reconnect:
            return super().to_dict(front)
        details = {**self.details, "reconnect": self.api_reconnect}
        message = f"{self.problem}. Fix: {self.api_reconnect}"
        return {"error": {"code": self.code, "message": message, "details": details}}


@dataclass
class UpstreamInfo:
    """What the remote service said, kept apart from our own message."""

    service: str
    status: int | None = None
    upstream_code: str | int | None = None
    messages: list[str] = field(default_factory=list)
    retryable: bool = False
    retry_after: float | None = None


class UpstreamError(XeroWaError):
    """Xero or Meta answered with an error (or could not be reached)."""

    code = "upstream_error"
    exit_code = 5
    http_status = 502

    def __init__(self, message: str, info: UpstreamInfo) -> None:
        self.info = info
        details: dict[str, Any] = {"service": info.service, "retryable": info.retryable}
        if info.status is not None:
            details["status"] = info.status
        if info.upstream_code is not None:
            details["upstreamCode"] = info.upstream_code
        if info.messages:
            details["messages"] = info.messages
        if info.retry_after is not None:
            details["retryAfter"] = info.retry_after
        super().__init__(message, details=details)

    @property
    def status(self) -> int | None:
        return self.info.status

    @property
    def retryable(self) -> bool:
        return self.info.retryable

    @property
    def retry_after(self) -> float | None:
        return self.info.retry_after


class UpstreamRejected(UpstreamError):
    """Xero or Meta refused the request as given (validation): the caller must change it."""

    code = "upstream_rejected"
    exit_code = 2
    http_status = 422


class UpstreamNotFound(UpstreamError):
    """Xero or Meta has no record with the id the caller gave."""

    code = "upstream_not_found"
    exit_code = 2
    http_status = 404


class UpstreamUnavailable(UpstreamError):
    """The upstream service said it is unavailable (503): try again later."""

    code = "upstream_unavailable"
    http_status = 503


class UpstreamTimeout(UpstreamError):
    """The upstream service did not answer in time (our timeout, or its gateway's 504)."""

    code = "upstream_timeout"
    http_status = 504


class RateLimited(UpstreamError):
    """A rate limit was reached and the caller must wait ``retry_after`` seconds."""

    code = "rate_limited"
    exit_code = 6
    http_status = 429


def upstream_class(status: int | None, *, timed_out: bool = False) -> type[UpstreamError]:
    """The class of an upstream failure, from the HTTP status Xero or Meta answered.

    ``status`` None means no answer arrived: a timeout (``timed_out``) or a network failure.
    401/403 are not decided here: they are connection problems, which each client words itself.
    """
    if status is None:
        return UpstreamTimeout if timed_out else UpstreamError
    if status == 429:
        return RateLimited
    if status == 404:
        return UpstreamNotFound
    if status == 503:
        return UpstreamUnavailable
    if status == 504:
        return UpstreamTimeout
    if 400 <= status < 500:
        return UpstreamRejected
    return UpstreamError


@dataclass(frozen=True)
class ConfigProblem:
    """One unusable setting: the variable, where it was set, and why it cannot be used."""

    variable: str
    #: ``environment``, ``/path/to/.env:LINE`` or ``default``.
    source: str
    reason: str
    #: The value as set, shortened; None for secrets (never repeated) and absent values.
    value: str | None = None

    def __str__(self) -> str:
        where = {"environment": "environment variable", "default": "default"}.get(
            self.source, f"set in {self.source}"
        )
        shown = f"={self.value!r}" if self.value is not None else ""
        return f"{self.variable}{shown} ({where}): {self.reason}"


class ConfigError(XeroWaError):
    """The configuration cannot be used: each problem names the variable and, for ``.env``,
    the file and line, so the fix is one edit away."""

    code = "config_error"
    exit_code = 10
    http_status = 500

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = f"bad configuration: {problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in problems)
            message = f"bad configuration ({len(problems)} problems):\n{lines}"
        super().__init__(
            message,
            details={
                "problems": [
                    {"variable": p.variable, "source": p.source, "reason": p.reason}
                    | ({"value": p.value} if p.value is not None else {})
                    for p in problems
                ]
            },
        )


class StoreError(XeroWaError):
    """The store cannot be used as it is: missing, emptied, corrupt, read-only, too old or too
    new for this code, or unreachable. The message names the file (or the URL with its password
    masked) and what fixes it (a command, the backup to restore)."""

    code = "store_error"
    exit_code = 11
    http_status = 503


class InternalError(XeroWaError):
    """A bug in the component. Reported with a reference, never with a traceback by default."""

    code = "internal_error"
    exit_code = 1
    http_status = 500


def json_reason(exc: json.JSONDecodeError) -> str:
    """The one wording of a JSON syntax error: where it is, so the user can find it."""
    return f"invalid JSON at line {exc.lineno} column {exc.colno} (position {exc.pos}): {exc.msg}"


ERROR_CLASSES: tuple[type[XeroWaError], ...] = (
    InputError,
    UnknownKeyError,
    SpecError,
    ConnectionError,
    UpstreamError,
    UpstreamRejected,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamTimeout,
    RateLimited,
    ConfigError,
    InternalError,
)
