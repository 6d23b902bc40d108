"""The outbox protocol, written once for every notification (reminders, alerts, e-mails).

WhatsApp's ``/messages`` has no idempotency key, so "at most once, and never lost" comes from
the order of these steps (the store's side is ``component.storage.outbox``)::

    claim()         intent    nothing has left: after a crash the next attempt claims it again
      … links, PDF, the pacer's wait (seconds, for a busy recipient) …
    leaving()       sending   committed right before the request leaves; refused (nothing sent)
                              when another process sent it meanwhile or an invoice it covers was
                              paid or voided since the claim
    answer          sent      done; its items are never sent again
    refusal         failed    ``retry`` says whether a later attempt may send it
    no answer       unknown   held for review, never resent; the status webhook (the key travels
                              as ``biz_opaque_callback_data``) or the next run's reconcile settles it

A process killed before ``leaving`` leaves an ``intent``: simply due again. Only a kill between
``leaving`` and the answer leaves a ``sending`` row, and then the request did leave.

The sender is not the only writer of the outcome: the status webhook (``resolve``) may mark the
message sent before the sender commits Meta's answer, or before a lost answer's timeout; the
sender's own step then leaves it sent (``storage.outbox``), and the run goes on.

``deliver`` runs a claimed message through these steps; what is sent is the caller's ``send``
function, which calls ``leaving`` right before its request goes (the WhatsApp client's
``on_leaving`` hook, after the pacer). ``leaving.accepted`` is the "sent" step as a store write:
a sender that commits the answer anyway (the WhatsApp client records every accepted message,
``on_accepted``) runs it in that same transaction, so the answer costs one commit, not two in a
row; the message is then ``sent`` together with its record, or (a kill before that commit)
still ``sending`` with no record, never one without the other. A sender that does not run it
(e-mail) leaves the step to ``deliver``, as before.

Every step is written through the store's group commit (``storage.group_commit``): the steps of
all messages in flight share one transaction and one fsync instead of queueing behind one commit
each, off the event loop; each step's await still returns only once it is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from component import errors
from component.notify.refusals import Refusal, classify
from component.runtime import Runtime
from component.storage.group_commit import writes_for
from component.storage.outbox import Claim
from component.storage.outbox_reads import Item

log = logging.getLogger("xero_wa.notify")


class Leaving:
    """What ``deliver`` hands the sender: await it right before the request leaves (the
    "sending" step); ``accepted`` is the "sent" step, for the sender to run in the write that
    commits the answer (see the module's docstring)."""

    def __init__(self, runtime: Runtime, key: str) -> None:
        self._outbox = runtime.store.outbox
        self._writes = writes_for(runtime)
        self._key = key
        #: The message id ``accepted`` marked sent (in a transaction that may not have committed
        #: yet: ``deliver`` reads it only once the sender returned, after that commit).
        self.marked: str | None = None

    async def __call__(self) -> None:
        outbox, key = self._outbox, self._key
        refused = await self._writes.run(lambda: outbox.start_sending(key))
        if refused is not None:
            raise NotSent(refused)

    def accepted(self, message_id: str) -> None:
        """Mark the message sent as ``message_id``: a store write, run inside the sender's."""
        self._outbox.mark_sent(self._key, message_id)
        self.marked = message_id


#: Sends the message, awaiting ``leaving`` right before the request leaves; returns its id.
Send = Callable[[Leaving], Awaitable[str]]


@dataclass(frozen=True)
class Envelope:
    """One message to deliver at most once: its key, what it covers and who gets it."""

    key: str
    kind: str  # reminder | alert | email
    items: tuple[Item, ...]
    contact_id: str | None
    contact_name: str
    recipient: str | None
    #: Invoices covered, ``{"id", "number", ...}``: shown by review listings and history.
    invoices: tuple[dict[str, Any], ...] = ()
    run_id: str | None = None
    #: Anything else the kind needs later (the e-mail fallback's policy, for example).
    extra: dict[str, Any] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        """What the outbox keeps with the message (review lines, history, webhook fallbacks)."""
        return {"contact": self.contact_name, "invoices": list(self.invoices), **self.extra}


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended: ``sent``, ``failed``, ``unknown`` or ``cancelled``."""

    state: str
    message_id: str | None = None
    refusal: Refusal | None = None
    #: Why a cancelled message was not sent (taken by another process, stopped since the claim).
    reason: str = ""

    @property
    def sent(self) -> bool:
        return self.state == "sent"


class NotSent(Exception):
    """Raised by ``leaving`` when the message must not go after all (nothing has left)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def claim(runtime: Runtime, envelope: Envelope) -> Claim:
    """Record the intent to send ``envelope`` (all its items or none)."""
    outbox = runtime.store.outbox
    return await writes_for(runtime).run(
        lambda: outbox.claim(
            envelope.key,
            kind=envelope.kind,
            items=list(envelope.items),
            contact_id=envelope.contact_id,
            recipient=envelope.recipient,
            run_id=envelope.run_id,
            details=envelope.details(),
        )
    )


async def release(runtime: Runtime, key: str) -> None:
    """Give up a claim that will not be sent after all (its items become free again)."""
    outbox = runtime.store.outbox
    await writes_for(runtime).run(lambda: outbox.release(key))


async def deliver(
    runtime: Runtime,
    key: str,
    send: Send,
    *,
    classify_refusal: Callable[[errors.XeroWaError], Refusal] = classify,
) -> Outcome:
    """Send the claimed message ``key`` with ``send`` and record how it ended.

    Never raises for a refusal: the outcome carries it (``refusal.retry`` says whether a later
    attempt may succeed). Anything that is not a ``XeroWaError`` is a bug and propagates, leaving
    the message as it was (``intent``, or ``sending`` if it may have left).
    """
    outbox = runtime.store.outbox
    writes = writes_for(runtime)
    leaving = Leaving(runtime, key)
    try:
        message_id = await send(leaving)
    except NotSent as exc:
        log.info("outbox message %s not sent: %s", key, exc.reason)
        return Outcome("cancelled", reason=exc.reason)
    except errors.XeroWaError as exc:
        refusal = classify_refusal(exc)
        if refusal.kind == "unknown":
            why = exc.message
            if await writes.run(lambda: outbox.mark_unknown(key, why)):
                return Outcome("unknown", refusal=refusal)
            # its status webhook came before the answer's timeout: it was sent
            settled = await writes.run(lambda: outbox.get(key))
            return Outcome("sent", message_id=settled.message_id if settled else None)
        await _failed(runtime, key, refusal)
        return Outcome("failed", refusal=refusal)
    if leaving.marked != message_id:  # the sender did not commit the "sent" step with its own
        await writes.run(lambda: outbox.mark_sent(key, message_id))
    return Outcome("sent", message_id=message_id)


async def _failed(runtime: Runtime, key: str, refusal: Refusal) -> None:
    """``failed`` from ``sending`` or, when the refusal came before leaving, from ``intent``."""
    outbox = runtime.store.outbox
    await writes_for(runtime).run(
        lambda: outbox.mark_failed(key, refusal.code, refusal.message, retry=refusal.retry)
    )
