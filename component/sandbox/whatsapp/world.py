"""The emulated WhatsApp business number: what was sent, what happened to it, and the limits.

Time only comes from the injected clock. When a message is accepted its whole future is decided
at once (sent → delivered → read, or failed) from a seeded RNG, and each status webhook is queued
on the shared :class:`~component.sandbox.delivery.WebhookDeliverer` with the delay at which it
happens; ``GET /_sandbox/whatsapp/messages`` shows only the statuses whose time has come. So moving
a ``FakeClock`` and calling ``deliverer.drain()`` (or ``world.advance(seconds)``) is all a test
needs to see statuses arrive, in order, signed.
"""

from __future__ import annotations

import base64
import random
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from component.clock import Clock
from component.sandbox.delivery import AttemptRecord, WebhookDeliverer
from component.sandbox.whatsapp import webhooks
from component.sandbox.whatsapp.config import WhatsAppConfig
from component.sandbox.whatsapp.errors import GraphError, status_error
from component.sandbox.whatsapp.media import MediaStore
from component.sandbox.whatsapp.phones import Recipient, business_country_code
from component.sandbox.whatsapp.template_admin import TemplateRegistry
from component.sandbox.whatsapp.templates import RenderedTemplate
from component.sandbox.whatsapp.users import Directory, WaUser

WINDOW = timedelta(hours=24)
STATUS_KIND = "whatsapp.status"
INBOUND_KIND = "whatsapp.message"


@dataclass
class StatusEvent:
    status: str
    at: datetime
    errors: list[dict[str, Any]] | None = None


@dataclass
class SentMessage:
    """An accepted message and its planned status history."""

    id: str
    recipient: Recipient
    type: str
    accepted_at: datetime
    category: str
    callback_data: str | None
    content: dict[str, Any]
    template: RenderedTemplate | None = None
    planned: list[StatusEvent] = field(default_factory=list)
    #: The business number it was sent from.
    phone_number_id: str = ""

    def history(self, now: datetime) -> list[StatusEvent]:
        return [event for event in self.planned if event.at <= now]

    def to_dict(self, now: datetime) -> dict[str, Any]:
        history = self.history(now)
        failed = next((e for e in history if e.status == "failed"), None)
        template = None
        if self.template is not None:
            template = {
                "name": self.template.name,
                "language": self.template.language,
                "category": self.template.category,
                "header": self.template.header,
                "button_suffix": self.template.button_suffix,
                "rendered_body": self.template.body,
            }
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "to": self.recipient.input,
            "wa_id": self.recipient.wa_id,
            "user_id": self.recipient.user_id,
            "country_code_prepended": self.recipient.prepended,
            "type": self.type,
            "accepted_at": self.accepted_at.isoformat(),
            "template": template,
            "parameters": self.template.parameters if self.template else [],
            "content": self.content,
            "biz_opaque_callback_data": self.callback_data,
            "status": history[-1].status if history else "accepted",
            "statuses": [{"status": e.status, "at": e.at.isoformat()} for e in history],
            "error": failed.errors[0] if failed and failed.errors else None,
        }


class WhatsAppWorld:
    """State of one business phone number, driven by ``clock``, webhooks via ``deliverer``."""

    def __init__(self, clock: Clock, config: WhatsAppConfig, deliverer: WebhookDeliverer) -> None:
        self.clock = clock
        self.deliverer = deliverer
        self.config = config
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def reset(self, config: WhatsAppConfig | None = None) -> None:
        """Forget everything (optionally switching configuration) and drop queued webhooks."""
        # A private copy: template submissions change the account, never the caller's config.
        self.config = (config or self.config).model_copy(deep=True)
        self.templates = TemplateRegistry(
            self.config.templates, self.config.template_review_seconds
        )
        self.business_cc = business_country_code(self.config.display_phone_number)
        self.messages: dict[str, SentMessage] = {}
        self.users = Directory(f"{self.config.business_account_id}/{self.config.seed}")
        for spec in self.config.users:
            self.users.add(
                spec.phone.lstrip("+"),
                name=spec.name,
                username=spec.username,
                hides_phone=spec.hides_phone,
            )
        self.media = MediaStore(self.config.seed)
        self.windows: dict[str, datetime] = {}
        #: Custom headers registered with the webhook URL at a provider (POST /v1/configs/webhook).
        self.webhook_headers: dict[str, str] = {}
        self.inbound_messages: list[dict[str, Any]] = []
        self.rejected: Counter[int] = Counter()
        self._rng = random.Random(self.config.seed)  # noqa: S311 - simulation, not security
        self._recent: deque[float] = deque()
        self._pairs: dict[str, tuple[float, float]] = {}
        self.deliverer.cancel_pending("whatsapp.")

    async def advance(self, seconds: float = 0.0) -> list[AttemptRecord]:
        """Move the clock (when it can be moved) and deliver every webhook that became due."""
        if seconds:
            mover = getattr(self.clock, "advance", None)
            if mover is None:
                raise TypeError("this clock cannot be advanced")
            mover(seconds)
        return await self.deliverer.drain()

    # -- ids ---------------------------------------------------------------------------------

    def new_wamid(self, wa_id: str) -> str:
        raw = b"\x18" + wa_id.encode() + b"\x15\x02\x00\x11\x18" + self._rng.randbytes(16)
        return "wamid." + base64.b64encode(raw).decode()

    # -- limits and rules --------------------------------------------------------------------

    def window_open(self, wa_id: str) -> bool:
        last = self.windows.get(wa_id)
        return last is not None and self.clock.now() - last < WINDOW

    def undeliverable(self, recipient: Recipient) -> bool:
        cfg = self.config
        if recipient.wa_id in cfg.not_on_whatsapp:
            return True
        if cfg.not_on_whatsapp_pattern and re.fullmatch(
            cfg.not_on_whatsapp_pattern, recipient.wa_id
        ):
            return True
        if cfg.fixed_lines_undeliverable and recipient.fixed_line:
            return True
        return cfg.invalid_numbers_undeliverable and not recipient.valid

    def check_rates(self, wa_id: str) -> None:
        """130429 above the per-second throughput, 131056 above the pair rate."""
        now = self.clock.monotonic()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.config.throughput_per_second:
            raise GraphError(130429)
        if self._pair_tokens(wa_id, now) < 1.0:
            raise GraphError(131056)

    def _pair_tokens(self, wa_id: str, now: float) -> float:
        burst = float(self.config.pair_burst)
        interval = self.config.pair_interval_seconds
        tokens, last = self._pairs.get(wa_id, (burst, now))
        if interval <= 0:
            return burst
        return min(burst, tokens + (now - last) / interval)

    def _consume(self, wa_id: str) -> None:
        now = self.clock.monotonic()
        self._recent.append(now)
        self._pairs[wa_id] = (self._pair_tokens(wa_id, now) - 1.0, now)

    # -- accepting ---------------------------------------------------------------------------

    def accept(
        self,
        *,
        recipient: Recipient,
        type_: str,
        category: str,
        content: dict[str, Any],
        callback_data: str | None,
        template: RenderedTemplate | None,
        failure: tuple[int, str | None] | None,
        phone_number_id: str | None = None,
    ) -> SentMessage:
        """Record an accepted message, plan its statuses, queue their webhooks."""
        self._consume(recipient.wa_id)
        if recipient.user_id is None and recipient.valid:
            self.users.contact_book.add(recipient.wa_id)  # messaged by phone: Meta keeps it
        now = self.clock.now()
        message = SentMessage(
            id=self.new_wamid(recipient.wa_id),
            recipient=recipient,
            type=type_,
            accepted_at=now,
            category=category,
            callback_data=callback_data,
            content=content,
            template=template,
            phone_number_id=phone_number_id or self.config.phone_number_id,
        )
        message.planned = self._plan(now, failure)
        self.messages[message.id] = message
        for event in message.planned:
            copies = (
                2 if self._rng.random() < self.config.status_timing.duplicate_probability else 1
            )
            for _ in range(copies):
                self._queue_status(message, event, now)
        return message

    def _plan(self, now: datetime, failure: tuple[int, str | None] | None) -> list[StatusEvent]:
        timing = self.config.status_timing
        if failure is not None:
            code, details = failure
            at = now + timedelta(seconds=timing.failed_after_seconds)
            return [StatusEvent("failed", at, [status_error(code, details)])]
        plan = [
            StatusEvent("sent", now + timedelta(seconds=timing.sent_after_seconds)),
            StatusEvent("delivered", now + timedelta(seconds=timing.delivered_after_seconds)),
        ]
        if self._rng.random() < timing.read_probability:
            plan.append(StatusEvent("read", now + timedelta(seconds=timing.read_after_seconds)))
        return plan

    def _meta(self, phone_number_id: str | None = None) -> dict[str, str]:
        sender = phone_number_id or self.config.phone_number_id
        return webhooks.metadata(self.config.display_phone_number, sender)

    def _enqueue(self, kind: str, payload: dict[str, Any], delay: float) -> None:
        url = self.config.webhook_url
        if url is None:
            return
        body = webhooks.encode(payload)
        self.deliverer.enqueue(
            kind,
            url,
            body,
            self._proof(body),
            max_age_seconds=self.config.webhook_max_age_seconds,
            delay_seconds=delay,
        )

    def _proof(self, body: bytes) -> dict[str, str]:
        """Meta's signed headers, or the provider's proof when the number is behind one."""
        headers = webhooks.headers(self.config.app_secret, body)
        provider = self.config.provider
        if provider is None:
            return headers
        headers.pop(webhooks.SIGNATURE_HEADER)
        return {**headers, **provider.proof(body, self.config.app_secret, self.webhook_headers)}

    def _queue_status(self, message: SentMessage, event: StatusEvent, now: datetime) -> None:
        codes = {e.get("code") for e in event.errors or []}
        user = None if 131026 in codes else self.users.for_phone(message.recipient.wa_id)
        visible = user is not None and self.users.phone_visible(user)
        payload = webhooks.status_payload(
            waba_id=self.config.business_account_id,
            meta=self._meta(message.phone_number_id),
            wamid=message.id,
            status=event.status,
            at=event.at,
            recipient=user,
            recipient_digits=message.recipient.wa_id,
            phone_visible=visible,
            callback_data=message.callback_data,
            pricing=None if event.status == "failed" else webhooks.pricing(message.category),
            errors=event.errors,
        )
        self._enqueue(STATUS_KIND, payload, (event.at - now).total_seconds())

    # -- inbound -----------------------------------------------------------------------------

    def inbound(
        self, wa_id: str, text: str, name: str = "Customer", context_id: str | None = None
    ) -> dict[str, Any]:
        """A customer writes text from a number (shorthand for :meth:`receive`)."""
        user = self.users.for_phone(wa_id)
        if name != "Customer" or user.name == "Customer":
            user.name = name
        return self.receive(user, webhooks.text_content(text), context_id=context_id)

    def receive(
        self, user: WaUser, content: dict[str, Any], context_id: str | None = None
    ) -> dict[str, Any]:
        """``user`` writes to the business (text, a button tap...): open the 24 h window and
        send the webhook now, with the phone only where Meta would show it."""
        now = self.clock.now()
        self.windows[user.wa_id] = now
        wamid = self.new_wamid(user.wa_id)
        visible = self.users.phone_visible(user)
        payload = webhooks.inbound_payload(
            waba_id=self.config.business_account_id,
            meta=self._meta(),
            wamid=wamid,
            user=user,
            phone_visible=visible,
            content=content,
            at=now,
            context_id=context_id,
        )
        self._enqueue(INBOUND_KIND, payload, 0.0)
        record = {
            "id": wamid,
            "from": user.wa_id if visible else None,
            "user_id": user.user_id,
            "username": user.username,
            "type": content["type"],
            "text": _words(content),
            "at": now.isoformat(),
            "window_expires_at": (now + WINDOW).isoformat(),
            "payload": payload,
        }
        self.inbound_messages.append(record)
        return record

    def change_number(self, user: WaUser, new_wa_id: str) -> dict[str, Any]:
        """The user moved to another number: a ``user_changed_number`` system message."""
        old_phone = user.wa_id
        previous = self.users.change_number(user, new_wa_id)
        system = {
            "body": f"User {user.name} changed from {old_phone} to {new_wa_id}",
            "type": "user_changed_number",
            "wa_id": new_wa_id,
            "user_id": user.user_id,
            "previous_user_id": previous,
        }
        if old_phone in self.windows:
            self.windows[new_wa_id] = self.windows.pop(old_phone)
        return self._system(user, system, old_phone)

    def change_user_id(self, user: WaUser) -> dict[str, Any]:
        """Meta regenerated the user's BSUID: ``user_changed_user_id``, no phone."""
        previous = self.users.change_user_id(user)
        system = {
            "body": f"User {user.name} changed from {previous} to {user.user_id}",
            "type": "user_changed_user_id",
            "user_id": user.user_id,
            "previous_user_id": previous,
        }
        return self._system(user, system, None)

    def _system(
        self, user: WaUser, system: dict[str, Any], old_phone: str | None
    ) -> dict[str, Any]:
        now = self.clock.now()
        wamid = self.new_wamid(user.wa_id)
        payload = webhooks.system_payload(
            waba_id=self.config.business_account_id,
            meta=self._meta(),
            wamid=wamid,
            at=now,
            system=system,
            old_phone=old_phone,
        )
        self._enqueue(INBOUND_KIND, payload, 0.0)
        record = {"id": wamid, "type": "system", "system": system, "payload": payload}
        self.inbound_messages.append(record)
        return record

    def last_sent_to(self, wa_id: str) -> str | None:
        """The id of the newest message sent to this user (what a button tap answers)."""
        sent = [m for m in self.messages.values() if m.recipient.wa_id == wa_id]
        return sent[-1].id if sent else None

    def tap_payload(self, context_id: str | None, text: str) -> str:
        """The payload a tap on ``text`` carries: what the send set for that quick reply, else
        the button's text (Meta's default)."""
        message = self.messages.get(context_id or "")
        if message is None or message.template is None:
            return text
        return message.template.quick_replies.get(text, text)

    # -- reporting ---------------------------------------------------------------------------

    def message_list(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [m.to_dict(now) for m in self.messages.values()]

    def stats(self) -> dict[str, Any]:
        now = self.clock.now()
        statuses: Counter[str] = Counter()
        failed: Counter[str] = Counter()
        for message in self.messages.values():
            for event in message.history(now):
                statuses[event.status] += 1
                if event.errors:
                    failed[str(event.errors[0]["code"])] += 1
        by_template = Counter(m.template.name for m in self.messages.values() if m.template)
        rejected = {str(code): n for code, n in sorted(self.rejected.items())}
        failed_codes = dict(sorted(failed.items()))
        errors = Counter(rejected) + Counter(failed_codes)
        return {
            "sends": len(self.messages) + sum(self.rejected.values()),
            "accepted": len(self.messages),
            "rejected": rejected,
            "failed": failed_codes,
            "errors": dict(sorted(errors.items())),
            "statuses": dict(sorted(statuses.items())),
            "by_type": dict(Counter(m.type for m in self.messages.values())),
            "by_template": dict(by_template),
            "inbound": len(self.inbound_messages),
            "media": len(self.media),
            "open_windows": sum(1 for wa_id in self.windows if self.window_open(wa_id)),
        }


def _words(content: dict[str, Any]) -> str | None:
    """What the customer typed or tapped, for the control API's listing."""
    kind = content["type"]
    if kind == "text":
        return str(content["text"]["body"])
    if kind == "button":
        return str(content["button"]["text"])
    if kind == "interactive":
        return str(content["interactive"]["button_reply"]["title"])
    return None
