"""The templates replies send (``component.replies.answer``): the customer's answers outside the
24-hour window, and the owner's ``customer_reply`` when forwarding is on and an owner is set."""

from __future__ import annotations

from component.notify.template_needs import need
from component.reminders.policy import Replies
from component.whatsapp.template_check import Requirement

#: Answers to the customer, each sent as its template when the window is closed.
ANSWERS = ("optout_confirmed", "promise_ask", "promise_noted", "paid_noted")


def requirements(settings: Replies, owner: str | None) -> list[Requirement]:
    found = [need(name, settings.language, "reply answers") for name in ANSWERS]
    if owner and settings.forward_to_owner:
        found.append(need("customer_reply", settings.language, "replies forwarded to the owner"))
    return found
