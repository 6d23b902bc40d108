"""Attachments on invoices, contacts and accounts: list, download (by FileName or AttachmentID),
upload raw bytes with ``PUT`` (create) or ``POST`` (replace). Xero has no DELETE for them.

Limits follow Xero: at most 10 attachments per record and 25 MB per file; the body is the raw file,
and the MIME type comes from the file name.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import Attachment
from component.sandbox.xero.world import XeroWorld

MAX_ATTACHMENTS = 10
MAX_BYTES = 25 * 1024 * 1024
Owner = Callable[[Org, str], Any]  # the record (with has_attachments) or None


def _owners() -> dict[str, tuple[str, Owner]]:
    return {
        "Invoices": (
            "InvoiceID",
            lambda org, key: org.invoices.get(key.lower()) or org.invoice_by_number(key),
        ),
        "Contacts": ("ContactID", lambda org, key: org.contacts.get(key.lower())),
        "Accounts": ("AccountID", lambda org, key: org.accounts.get(key.lower())),
    }


def _owner_id(record: Any) -> str:
    for attr in ("invoice_id", "contact_id", "account_id"):
        if hasattr(record, attr):
            return str(getattr(record, attr))
    raise TypeError(type(record).__name__)


def routes(world: XeroWorld) -> list[Route]:
    out: list[Route] = []
    for collection, (param, owner) in _owners().items():

        def lookup(
            ctx: Ctx, param: str = param, owner: Owner = owner
        ) -> tuple[Any, dict[str, Attachment]]:
            record = owner(ctx.org, str(ctx.params[param]))
            if record is None:
                raise xe.XeroProblem(xe.not_found())
            return record, ctx.org.attachments.setdefault(_owner_id(record), {})

        def url(ctx: Ctx, record: Any, name: str, collection: str = collection) -> str:
            return ctx.link(f"{collection}/{_owner_id(record)}/Attachments/{quote(name)}")

        def listing(ctx: Ctx, lookup: Any = lookup, url: Any = url) -> Response:
            record, files = lookup(ctx)
            items = [render.attachment(a, url(ctx, record, a.filename)) for a in files.values()]
            return xe.json_response(xe.envelope("Attachments", items, ctx.now))

        def download(ctx: Ctx, lookup: Any = lookup) -> Response:
            _record, files = lookup(ctx)
            name = str(ctx.params["FileName"])
            found = files.get(name.casefold()) or next(
                (a for a in files.values() if a.attachment_id == name.lower()), None
            )
            if found is None:
                raise xe.XeroProblem(xe.not_found())
            return Response(found.data, 200, media_type=found.mime_type)

        def upload(
            ctx: Ctx, lookup: Any = lookup, url: Any = url, collection: str = collection
        ) -> Response:
            record, files = lookup(ctx)
            name = str(ctx.params["FileName"]).strip()
            if not ctx.body:
                return xe.validation_messages(["The attachment content is empty."])
            if len(ctx.body) > MAX_BYTES:
                return xe.validation_messages(["The attachment exceeds the 25 MB size limit."])
            existing = files.get(name.casefold())
            if existing is None and len(files) >= MAX_ATTACHMENTS:
                return xe.validation_messages(
                    [f"A maximum of {MAX_ATTACHMENTS} attachments can be added to a document."]
                )
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            include_online = collection == "Invoices" and ctx.flag("IncludeOnline")
            attachment = Attachment(
                existing.attachment_id if existing else str(uuid.uuid4()),
                name,
                mime,
                bytes(ctx.body),
                include_online,
            )
            files[name.casefold()] = attachment
            record.has_attachments = True
            ctx.org.bump(collection.lower())
            item = render.attachment(attachment, url(ctx, record, name))
            return xe.json_response(xe.envelope("Attachments", [item], ctx.now))

        base = f"/{collection}/{{{param}}}/Attachments"
        out += [
            Route(base, endpoint(world, "attachments", listing), methods=["GET"]),
            Route(base + "/{FileName}", endpoint(world, "attachments", download), methods=["GET"]),
            Route(
                base + "/{FileName}",
                endpoint(world, "attachments", upload),
                methods=["PUT", "POST"],
            ),
        ]
    return out
