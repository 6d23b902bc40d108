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
#: The only media type Xero's spec declares for attachment bytes, in and out (and what Xero's
#: official SDKs send); Xero takes the file's type from its name and the ``contentType`` header.
OCTET_STREAM = "application/octet-stream"


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
    """The file's bytes: ``Accept: application/octet-stream`` (the spec's only response type) and
    the file's MIME type in the required ``contentType`` header. The result is typed by what Xero
    answers, or by the file name when Xero answers a generic octet stream."""
    path = attachments_path(object_type, object_id, file_name)
    mime = guess_type(file_name)
    response = await client.request(
        "GET",
        path,
        accept=OCTET_STREAM,
        headers={"contentType": mime},
        what=f"getAttachment (GET {path})",
    )
    answered = response.headers.get("Content-Type", "").split(";")[0].strip()
    content_type = answered if answered and answered != OCTET_STREAM else mime
    return Binary(response.content, content_type, file_name)


async def create_attachment(
    client: XeroClient,
    object_type: str,
    object_id: str,
    file_name: str,
    data: Binary,
    content_type: str,
) -> Any:
    """``PUT`` the raw bytes under ``file_name``; returns Xero's ``{"Attachments": [...]}``.

    The body goes as ``application/octet-stream`` whatever the file is: it is the only request
    type the spec accepts (a ``text/plain`` upload is refused with 415). Xero records the MIME
    type from the file name's extension; ``content_type`` (the reference component's input)
    is accepted for parity and not sent.
    """
    del content_type  # Xero derives MimeType from the file name's extension
    path = attachments_path(object_type, object_id, file_name)
    what = f"createAttachment (PUT {path})"
    response = await client.request(
        "PUT", path, content=data.data, headers={"Content-Type": OCTET_STREAM}, what=what
    )
    return json_body(response, what)
