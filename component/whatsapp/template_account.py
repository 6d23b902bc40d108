"""Creating templates on the WhatsApp account: what is missing, and the result of each request.

``xero-wa templates submit`` sends one create request per (template, language) that the account
does not have yet, in the catalogue's order, and reports each: ``created`` (with Meta's status
and category: a shipped UTILITY template re-filed as MARKETING is flagged), ``exists`` (nothing
sent), ``skipped`` (with the reason) or ``refused`` (Meta's error). A refusal does not stop the
others. Creation is not retried after an unknown outcome: a second create of the same name and
language is refused by Meta (2388024), and the next ``submit`` or ``check`` lists the account
again anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from component import errors


class Creator(Protocol):
    async def create_template(self, definition: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Submission:
    template: str
    language: str
    outcome: str  # created | exists | skipped | refused
    status: str | None = None
    category: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "template": self.template,
            "language": self.language,
            "outcome": self.outcome,
        }
        for key in ("status", "category", "message"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @property
    def marketing(self) -> bool:
        return (self.category or "").upper() == "MARKETING"


def existing(listing: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(str(r.get("name")), str(r.get("language"))) for r in listing if isinstance(r, Mapping)}


def skip_reason(definition: Mapping[str, Any]) -> str | None:
    """Why a definition cannot be created here (a media header needs an uploaded example)."""
    for component in definition.get("components") or []:
        if component.get("type") == "HEADER" and component.get("format") != "TEXT":
            return (
                "a DOCUMENT header needs an example PDF uploaded through Meta's resumable upload "
                "API: create this one in WhatsApp Manager (only policies with header: pdf use it)"
            )
    return None


async def submit(
    creator: Creator, definitions: Sequence[dict[str, Any]], listing: Iterable[Mapping[str, Any]]
) -> list[Submission]:
    """Create every definition the account lacks; one :class:`Submission` per definition."""
    have = existing(listing)
    results = []
    for definition in definitions:
        name, language = str(definition["name"]), str(definition["language"])
        if (name, language) in have:
            results.append(Submission(name, language, "exists"))
            continue
        reason = skip_reason(definition)
        if reason is not None:
            results.append(Submission(name, language, "skipped", message=reason))
            continue
        try:
            answer = await creator.create_template(definition)
        except errors.UpstreamError as exc:
            results.append(Submission(name, language, "refused", message=exc.message))
            continue
        results.append(
            Submission(
                name,
                language,
                "created",
                status=str(answer.get("status") or "PENDING"),
                category=str(answer.get("category") or definition.get("category")),
            )
        )
    return results
