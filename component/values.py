"""Values that are not plain JSON, and how they cross the JSON boundary.

Binary file content (attachments, PDFs, WhatsApp media) travels inside the executor as
``Binary``; the CLI and the service render it as ``{"contentType", "fileName", "size", "base64"}``
so every front end shows the same shape.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Binary:
    data: bytes
    content_type: str = "application/octet-stream"
    file_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"contentType": self.content_type, "size": len(self.data)}
        if self.file_name:
            out["fileName"] = self.file_name
        out["base64"] = base64.b64encode(self.data).decode("ascii")
        return out

    def __repr__(self) -> str:  # never dump megabytes into a log line
        return f"Binary({len(self.data)} bytes, {self.content_type!r}, {self.file_name!r})"


def to_jsonable(value: Any) -> Any:
    """Turn a result into something ``json.dumps`` accepts, without losing information."""
    if isinstance(value, Binary):
        return value.to_json()
    if isinstance(value, bytes):
        return Binary(value).to_json()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)``: the non-JSON leaves ``to_jsonable`` converts, one at a time,
    so the C encoder handles every dict and list itself (several times faster on big results)."""
    if isinstance(value, (Binary, bytes, datetime, date, Decimal)):
        return to_jsonable(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
