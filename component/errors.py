"""The one error tree of the component.

Every failure a user can see is one of these classes. Each class is mapped exactly once to an HTTP
status (for the JSON service) and a process exit code (for the CLI), so the three front ends agree::

    XeroWaError                       exit  http
     ├── InputError                     2    400   bad or missing inputs (lists every bad field)
     │    └── UnknownKeyError           2    404   no action / trigger / data source by that key
     ├── SpecError                      3    500   a YAML spec is broken (file and field named)
     ├── ConnectionError                4    424   the connection is missing or needs re-authorisation
     ├── UpstreamError                  5    502   Xero or Meta answered with an error
     │    └── RateLimited               6    429   a rate limit was hit and waiting is not allowed
     └── InternalError                  1    500   a bug: never expected, always reported

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

    def to_dict(self) -> dict[str, Any]:
        """The JSON error object shared by the CLI (stderr) and the service (response body)."""
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
    """

    code = "connection_error"
    exit_code = 4
    http_status = 424

    def __init__(self, message: str, *, reconnect: str | None = None) -> None:
        full = f"{message}. Fix: {reconnect}" if reconnect else message
        super().__init__(full, details={"reconnect": reconnect} if reconnect else None)
        self.reconnect = reconnect


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


class RateLimited(UpstreamError):
    """A rate limit was reached and the caller must wait ``retry_after`` seconds."""

    code = "rate_limited"
    exit_code = 6
    http_status = 429


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
    RateLimited,
    InternalError,
)
