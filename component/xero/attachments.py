"""Attachments of any Xero object that has them, by object type.

The reference component takes the object type as free text, so flows carry "Invoices",
"invoice", "Credit Notes"... Every spelling of a type Xero supports is accepted (case, spaces,
underscores and a trailing "s" do not matter) and mapped to Xero's path segment; anything else is
an input error that lists the valid types.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any
from urllib.parse import quote

from component import errors
from component.values import Binary
from component.xero.client import XeroClient
from component.xero.errors import json_body

#: Xero objects with ``/{Type}/{id}/Attachments`` endpoints, by their path segment.
OBJECT_TYPES = (
    "Accounts",
    "BankTransactions",
    "BankTransfers",
    "Contacts",
    "CreditNotes",
    "Invoices",
    "ManualJournals",
    "PurchaseOrders",
    "Quotes",
    "Receipts",
    "RepeatingInvoices",
)
_BY_FOLDED = {re.sub(r"s$", "", t.lower()): t for t in OBJECT_TYPES}


def object_segment(object_type: str, field: str = "objectType") -> str:
    """Xero's path segment for ``object_type`` (``"credit note"`` → ``CreditNotes``)."""
    folded = re.sub(r"[\s_\-]", "", object_type.strip().lower())
    segment = _BY_FOLDED.get(re.sub(r"s$", "", folded))
    if segment is None:
        raise errors.InputError.single(
            field,
            f"{object_type!r} has no attachments in Xero; use one of {', '.join(OBJECT_TYPES)}",
        )
    return segment


def attachments_path(object_type: str, object_id: str, file_name: str | None = None) -> str:
    path = f"/{object_segment(object_type)}/{quote(object_id.strip(), safe='')}/Attachments"
    return f"{path}/{quote(file_name, safe='')}" if file_name is not None else path


def guess_type(file_name: str) -> str:
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


async def list_attachments(client: XeroClient, object_type: str, object_id: str) -> Any:
    path = attachments_path(object_type, object_id)
    return await client.get_json(path, what=f"listing attachments (GET {path})")


async def get_attachment(
    client: XeroClient, object_type: str, object_id: str, file_name: str
) -> Binary:
    """The file's bytes; Xero wants the file's MIME type in ``Accept`` and ``contentType``."""
    path = attachments_path(object_type, object_id, file_name)
    mime = guess_type(file_name)
    response = await client.request(
        "GET", path, accept=mime, headers={"contentType": mime}, what=f"getAttachment (GET {path})"
    )
    content_type = response.headers.get("Content-Type", mime).split(";")[0].strip() or mime
    return Binary(response.content, content_type, file_name)


async def create_attachment(
    client: XeroClient,
    object_type: str,
    object_id: str,
    file_name: str,
    data: Binary,
    content_type: str,
) -> Any:
    """``PUT`` the raw bytes under ``file_name``; returns Xero's ``{"Attachments": [...]}``."""
    path = attachments_path(object_type, object_id, file_name)
    what = f"createAttachment (PUT {path})"
    response = await client.request(
        "PUT", path, content=data.data, headers={"Content-Type": content_type}, what=what
    )
    return json_body(response, what)
