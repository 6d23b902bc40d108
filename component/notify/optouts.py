"""Opt-outs: who must get no message, and the words that opt a customer out and back in.

One list of each, configurable (``XERO_WA_STOP_WORDS``, ``XERO_WA_START_WORDS``; defaults STOP,
STOP ALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPT OUT and START, UNSTOP, the words WhatsApp users and
SMS carriers treat as opt-out keywords). A reply opts out when its whole text is one of the words:
"Stop.", " stop all " and "Opt-out" count, "stop sending me the old invoice" does not (that is a
conversation for a person, not a keyword).

Every notification asks :func:`opted_out` before sending; the stored opt-outs are
``component.storage.optouts`` (a phone opted out by a STOP reply applies to every organisation;
a contact opted out by an operator applies to its own).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from component import errors
from component.config import Settings
from component.runtime import Runtime

Word = Literal["stop", "start"]


def normalise_word(text: str) -> str:
    """``" Opt-out! "`` → ``"OPT OUT"``: case, spacing and punctuation do not matter."""
    kept = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(kept.upper().split())


@dataclass(frozen=True)
class ReplyWords:
    stop: frozenset[str]
    start: frozenset[str]

    def classify(self, text: str) -> Word | None:
        """ "stop", "start", or None for any other message."""
        word = normalise_word(text)
        if word in self.stop:
            return "stop"
        if word in self.start:
            return "start"
        return None


def reply_words(settings: Settings) -> ReplyWords:
    """The configured word lists; InputError naming the variable when they cannot work."""
    stop = _words(settings.xero_wa_stop_words)
    start = _words(settings.xero_wa_start_words)
    if not stop:
        raise errors.InputError.single(
            "XERO_WA_STOP_WORDS", "must name at least one word: customers must be able to opt out"
        )
    both = sorted(stop & start)
    if both:
        raise errors.InputError.single(
            "XERO_WA_START_WORDS", f"{', '.join(both)} is also a stop word (XERO_WA_STOP_WORDS)"
        )
    return ReplyWords(stop, start)


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in (normalise_word(part) for part in text.split(",")) if w)


def opted_out_now(
    runtime: Runtime, tenant_id: str, contact_id: str | None, phone: str | None
) -> str | None:
    """Why this contact or number gets nothing ("replied STOP (whatsapp_reply)"), or None."""
    found = runtime.store.optouts.is_opted_out(tenant_id, contact_id or "", phone)
    return None if found is None else f"{found.reason} ({found.source})"


async def opted_out(
    runtime: Runtime, tenant_id: str, contact_id: str | None, phone: str | None
) -> str | None:
    """:func:`opted_out_now` off the event loop (for async callers such as the alert job)."""
    return await asyncio.to_thread(opted_out_now, runtime, tenant_id, contact_id, phone)
