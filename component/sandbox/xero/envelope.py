"""Xero's wire format: the response envelope, Microsoft JSON dates and the error bodies.

Every accounting answer is wrapped as ``{"Id", "Status": "OK", "ProviderName", "DateTimeUTC",
<Collection>: [...]}``; dates travel as ``/Date(ms+0000)/``; errors come in four different shapes
(ValidationException JSON, problem-details JSON for 401/403, plain text for 404, query errors with
ErrorNumber 16). A client that survives the sandbox must have met all of them, so they live here in
one place, named after what Xero sends.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.responses import Response

PROVIDER_NAME = "xero-wa sandbox"
NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class XeroProblem(Exception):
    """Raised anywhere inside a handler to answer with ``response`` (a 4xx Xero would send)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


# -- dates -----------------------------------------------------------------------------------


def ms_date(value: date | datetime, *, offset: bool = True) -> str:
    """``/Date(1539993600000+0000)/``; a plain date is midnight UTC, as Xero sends it."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time(), UTC)
    millis = int((moment - _EPOCH) / timedelta(milliseconds=1))
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


def date_string(value: date) -> str:
    """The ``DateString`` companion field: ``2026-06-23T00:00:00``."""
    return f"{value.isoformat()}T00:00:00"


def utc_string(value: datetime) -> str:
    """``UpdatedDateUTCString``-style ISO text without offset, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def connection_date(value: datetime) -> str:
    """``/connections`` dates: ``2019-12-07T18:46:19.5165400`` (seven digits, no zone)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def parse_date(value: Any) -> date | None:
    """A date a client wrote: ``YYYY-MM-DD``, an ISO datetime, or a Microsoft JSON date.

    ``None``/empty means "not given"; anything else unparseable raises ``ValueError`` so the
    caller can turn it into the validation message Xero would give.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("not a date")
    match = _MS_DATE.match(value.strip())
    if match:
        moment = _EPOCH + timedelta(milliseconds=int(match.group(1)))
        return moment.date()
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date") from None


def parse_modified_since(value: str) -> datetime | None:
    """The ``If-Modified-Since`` header: ISO 8601 (Xero's form) or an HTTP date; bad → ignored."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- responses -------------------------------------------------------------------------------


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(payload, status, headers=headers, media_type="application/json")


def envelope(key: str, items: list[dict[str, Any]], now: datetime, **extra: Any) -> dict[str, Any]:
    """``{"Id", "Status", "ProviderName", "DateTimeUTC", [pagination], <key>: items}``."""
    body: dict[str, Any] = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_date(now, offset=False),
    }
    body.update(extra)
    body[key] = items
    return body


def pagination(page: int, page_size: int, item_count: int) -> dict[str, int]:
    page_count = (item_count + page_size - 1) // page_size if page_size else 0
    return {"page": page, "pageSize": page_size, "pageCount": page_count, "itemCount": item_count}


# -- errors ----------------------------------------------------------------------------------


def validation_error(elements: list[dict[str, Any]]) -> Response:
    """400 ``ValidationException``; each element is the echoed object with ``ValidationErrors``."""
    return json_response(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
        400,
    )


#: Date fields Xero writes back as ``/Date(…)/``; the first two also get a ``…String`` twin.
ECHOED_DATES = ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate")
STRING_TWINS = ("Date", "DueDate")


def echo(element: dict[str, Any], messages: list[str]) -> dict[str, Any]:
    """A rejected element as Xero echoes it: its fields as Xero stores them, dates written back
    as ``/Date(ms+0000)/`` with the ``DateString``/``DueDateString`` twin (never the client's
    ``2026-11-01``), plus its ``ValidationErrors``. A date Xero could not read stays as sent."""
    out = dict(element)
    for name in ECHOED_DATES:
        try:
            day = parse_date(out.get(name))
        except ValueError:
            continue
        if day is None:
            continue
        out[name] = ms_date(day)
        if name in STRING_TWINS:
            out[f"{name}String"] = date_string(day)
    out["ValidationErrors"] = [{"Message": m} for m in messages]
    return out


def validation_messages(messages: list[str], element: dict[str, Any] | None = None) -> Response:
    """A ValidationException for one element (or none) carrying ``messages``."""
    item = dict(element or {})
    item["ValidationErrors"] = [{"Message": m} for m in messages]
    return validation_error([item])


def query_error(message: str) -> Response:
    """400 for a bad ``where``/``order``: Xero reports these as ErrorNumber 16."""
    return json_response(
        {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}, 400
    )


def post_data_invalid(message: str) -> Response:
    """400 for a body Xero cannot read at all (malformed JSON, wrong top-level shape)."""
    body = {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}
    return json_response(body, 400)


def not_found() -> Response:
    """404 for an unknown id: plain text, not JSON (clients must not assume a JSON body)."""
    return Response(NOT_FOUND_TEXT, 404, media_type="text/plain")


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """The problem-details shape Xero's gateway uses for 401, 403 and 429."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_response(body, status, headers)


def unauthorized(detail: str) -> Response:
    return problem(401, "Unauthorized", detail, {"WWW-Authenticate": "Bearer"})


def forbidden() -> Response:
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")


def token_expired(expired_at: datetime) -> Response:
    """401 ``TokenExpired: token expired at 07/14/2026 10:00:00`` (US format, UTC, like Xero)."""
    stamp = expired_at.astimezone(UTC).strftime("%m/%d/%Y %H:%M:%S")
    return unauthorized(f"TokenExpired: token expired at {stamp}")
