"""What a customer's message means: a quick-reply tap (in any shipped language), or text.

The shipped reminder templates carry three quick replies: Paid already, Need more time, Stop
reminders (``component.notify.templates``; Hindi labels in ``component.notify.wording``). A tap
comes back as ``type: button`` whose ``payload`` is what the send set or, when it set none, the
button's text; an interactive reply carries an id and a title. Either way the words are matched
here, ignoring case, spacing and punctuation, in every shipped language; so is a customer who
types the label. Anything else is ``text``: an answer for a person to read. An unknown payload is
``text`` too (logged by the caller), never an opt-out.
"""

from __future__ import annotations

from typing import Literal

from component.notify.optouts import normalise_word
from component.notify.templates import REMINDER_QUICK_REPLIES
from component.notify.wording import QUICK_REPLIES_HI
from component.whatsapp.payload import Inbound

Intent = Literal["paid", "more_time", "stop", "text"]
ORDER: tuple[Intent, ...] = ("paid", "more_time", "stop")
#: Explicit payload ids a send (or a template of the user's own) may set for the three buttons.
PAYLOADS: dict[str, Intent] = {
    "PAID_ALREADY": "paid",
    "NEED_MORE_TIME": "more_time",
    "STOP_REMINDERS": "stop",
}


def _labels() -> dict[str, Intent]:
    found: dict[str, Intent] = {}
    for labels in (REMINDER_QUICK_REPLIES, QUICK_REPLIES_HI):
        for intent, label in zip(ORDER, labels, strict=True):
            found[normalise_word(label)] = intent
    found.update({normalise_word(k): v for k, v in PAYLOADS.items()})
    return found


LABELS = _labels()


def intent_of(message: Inbound) -> Intent:
    """``paid``, ``more_time``, ``stop`` or ``text``."""
    for words in (message.payload, message.text):
        if words:
            found = LABELS.get(normalise_word(words))
            if found is not None:
                return found
    return "text"


def is_tap(message: Inbound) -> bool:
    return message.kind in ("button", "interactive")
