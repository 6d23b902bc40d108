"""Meta's error bodies, one place.

Clients branch on ``error.code`` (never on text), so the codes, HTTP statuses and the envelope
``{"error": {"message", "type": "OAuthException", "code", "error_subcode"?, "error_data":
{"messaging_product": "whatsapp", "details"}, "fbtrace_id"}}`` must match Meta exactly. The same
catalogue gives the ``title``/``message`` of the ``errors[]`` entries in ``failed`` status
webhooks, so a code means the same thing on both channels.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

ERROR_DOCS = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


@dataclass(frozen=True)
class _Code:
    title: str
    http_status: int
    details: str


CATALOGUE: dict[int, _Code] = {
    100: _Code("Invalid parameter", 400, "Invalid parameter"),
    190: _Code(
        "Invalid OAuth access token - Cannot parse access token", 401, "Invalid access token"
    ),
    2635: _Code(
        "You are calling a deprecated version of the Graph API", 400, "Unsupported API version"
    ),
    130429: _Code(
        "Rate limit hit",
        429,
        "Cloud API message throughput has been reached.",
    ),
    131008: _Code("Required parameter is missing", 400, "Required parameter is missing"),
    131026: _Code(
        "Message undeliverable",
        400,
        "Message Undeliverable.",
    ),
    131030: _Code(
        "Recipient phone number not in allowed list",
        400,
        "Recipient phone number not in allowed list: Add recipient phone number to recipient "
        "list and try again.",
    ),
    131047: _Code(
        "Re-engagement message",
        400,
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131053: _Code("Media upload error", 400, "Unable to process the media."),
    131056: _Code(
        "(Business Account, Consumer Account) pair rate limit hit",
        400,
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    ),
    131062: _Code(
        "Business-scoped User ID recipients are not supported for this message.",
        400,
        "Authentication templates with one-tap, zero-tap or copy-code buttons need a phone number.",
    ),
    132000: _Code(
        "Number of parameters does not match the expected number of params",
        400,
        "Number of parameters does not match the expected number of params",
    ),
    132001: _Code(
        "Template name does not exist in the translation",
        400,
        "Template name does not exist in the translation",
    ),
    132012: _Code(
        "Parameter format does not match format in the created template",
        400,
        "Parameter format does not match format in the created template",
    ),
    132018: _Code(
        "There was an issue with the parameters in your template.",
        400,
        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
    ),
}

_trace = itertools.count(1)


def _fbtrace_id() -> str:
    """An opaque, unique-looking trace id (Meta's are 22-27 url-safe characters)."""
    digest = hashlib.sha256(f"fbtrace-{next(_trace)}".encode()).hexdigest()
    return "A" + digest[:22]


class GraphError(Exception):
    """A request Meta would refuse: code, optional subcode, and the details line."""

    def __init__(
        self,
        code: int,
        details: str | None = None,
        *,
        subcode: int | None = None,
        message: str | None = None,
    ) -> None:
        entry = CATALOGUE[code]
        self.code = code
        self.subcode = subcode
        self.title = entry.title
        self.http_status = entry.http_status
        self.details = details or entry.details
        # Graph prefixes "(#code)" except for token errors and object lookups, whose message
        # is the sentence itself.
        self.message = message or (entry.title if code == 190 else f"(#{code}) {entry.title}")
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": "OAuthException"}
        error["code"] = self.code
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.code != 190:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = _fbtrace_id()
        return {"error": error}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.http_status)


def status_error(code: int, details: str | None = None) -> dict[str, Any]:
    """The ``errors[]`` entry of a ``failed`` status webhook for ``code``."""
    entry = CATALOGUE[code]
    return {
        "code": code,
        "title": entry.title,
        "message": entry.title,
        "error_data": {"details": details or entry.details},
        "href": ERROR_DOCS,
    }


def unsupported_object(object_id: str) -> GraphError:
    """What Graph answers for a path id that does not exist or is not ours (code 100/33)."""
    sentence = (
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation."
    )
    return GraphError(100, sentence, subcode=33, message=sentence)
