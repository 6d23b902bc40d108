"""Uploaded media: ``POST /{phone-number-id}/media`` stores bytes, ``GET /{media-id}`` describes
them, and the described URL serves them back (with the bearer token, as Meta's does).

Kept small on purpose: the product only uploads invoice PDFs for template headers. Meta's
supported types and size limits are enforced because uploading an unsupported type is an easy
mistake (a ``.pdf`` sent as ``application/octet-stream``).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from component.sandbox.whatsapp.errors import GraphError

MB = 1024 * 1024

#: Meta's supported media types and their size limits.
SUPPORTED: dict[str, int] = {
    "application/pdf": 100 * MB,
    "text/plain": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
}


@dataclass(frozen=True)
class Media:
    id: str
    mime_type: str
    data: bytes
    sha256: str
    filename: str | None
    uploaded_at: datetime

    def describe(self, url: str) -> dict[str, Any]:
        """``GET /{media-id}``: where to download it, and what it is."""
        return {
            "messaging_product": "whatsapp",
            "url": url,
            "mime_type": self.mime_type,
            "sha256": self.sha256,
            "file_size": str(len(self.data)),
            "id": self.id,
        }


class MediaStore:
    """Media by id; ids are 15-16 digit strings like Meta's, drawn from a seeded RNG."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - ids, not security
        self._items: dict[str, Media] = {}

    def add(self, data: bytes, mime_type: str, filename: str | None, now: datetime) -> Media:
        mime = mime_type.split(";", 1)[0].strip().lower()
        limit = SUPPORTED.get(mime)
        if limit is None:
            raise GraphError(
                131053,
                f"Param file must be a file with one of the following types: "
                f"{', '.join(sorted(SUPPORTED))}. Received file of type '{mime}'.",
            )
        if not data:
            raise GraphError(131053, "The uploaded file is empty.")
        if len(data) > limit:
            raise GraphError(131053, f"File size exceeds the {limit // 1024} KB limit for {mime}.")
        media_id = str(self._rng.randrange(10**14, 10**16))
        media = Media(
            id=media_id,
            mime_type=mime,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            filename=filename,
            uploaded_at=now,
        )
        self._items[media_id] = media
        return media

    def get(self, media_id: str) -> Media | None:
        return self._items.get(media_id)

    def delete(self, media_id: str) -> bool:
        return self._items.pop(media_id, None) is not None

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
