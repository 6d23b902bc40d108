"""The WhatsApp Cloud API client: every WhatsApp call of every action goes through it.

Sends are the dangerous calls: ``POST /messages`` has no idempotency key, so a request whose
answer is lost may have produced a message, and sending it again may message a customer twice.
The rules, per send:

1. wait on the number's pacer (throughput cap + per-recipient pair rate); then, once, the
   caller's ``on_leaving`` hook runs, right before httpx hands the request to the transport
   (``component.runtime.ON_LEAVING``): the outbox marks the message "sending" there, so a process
   killed while waiting in the pacer leaves nothing marked as possibly sent; if the hook raises,
   nothing is sent;
2. 130429 (throughput): slow every send down for one window, then try again (bounded);
3. 131056 (pair rate): delay only this recipient, then try again (bounded);
4. Meta answered with a transient error (131000, 131016, 1, 2, 4, 80007, 5xx with a Graph
   body), or no connection could be made at all: jittered backoff, then try again (bounded);
5. the request left but no answer came (read timeout, reset, a 5xx from something that is not
   Graph, a 200 without a message id): ``SendOutcomeUnknown``. Never resent here; the caller's
   outbox and the status webhook decide.

``to`` must already be E.164 with "+": without it Meta prepends the BUSINESS number's country
code, which is how reminders end up at wrong "+91" numbers. Use ``component.phones`` first. A
business-scoped user id (``IN.1502576394655843``: a customer with a username whose number is
not known) is sent as Meta's ``recipient`` field instead of ``to`` (the answer then carries
``user_id`` rather than ``wa_id``).

Every accepted message is recorded in the store (wamid, recipient, template, callback data) so
``getWhatsAppMessageStatus`` and the status webhook can tie statuses back to it. The caller's
``on_accepted`` write (the outbox's "sent" mark) runs in the same transaction as that record:
one commit per answer instead of two in a row, each of which the send waited for (issue 13
target 2). The record stays best-effort inside it: a record that fails is undone alone
(``group_commit.alone``) and logged, the "sent" mark still commits; a failing ``on_accepted``
raises (nothing of the answer is committed, as when the process dies before its commit).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from component import errors
from component.runtime import ON_LEAVING, Runtime
from component.sessions import Session
from component.storage.group_commit import alone, writes_for
from component.values import Binary
from component.whatsapp import errors as wa_errors
from component.whatsapp.errors import Subject, meta_code
from component.whatsapp.pacer import Ticket, WhatsAppPacer, pacer_for
from component.whatsapp.params import BSUID
from component.whatsapp.provider import provider_of
from component.whatsapp.retry import SendPolicy, Tries

log = logging.getLogger("xero_wa.whatsapp")

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
#: Transport failures that prove the request never reached Meta: no connection was made.
UNREACHED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
PACED_CODES = frozenset({130429, 131056})
#: Requests of one business number on the wire at once (``_Slot``). Enough for 1,000/s with
#: 30 ms answers; the pacer, not this, sets the rate.
REQUESTS_IN_FLIGHT = 32
#: What ``phone_number`` asks Meta for.
NUMBER_FIELDS = (
    "verified_name,display_phone_number,quality_rating,code_verification_status,throughput"
)
#: Called once, after the pacer admitted a send and right before its request leaves.
Leaving = Callable[[], Awaitable[None]]
#: A store write given the accepted message's id, committed with the record of the send.
Accepted = Callable[[str], None]


@dataclass(frozen=True)
class SendResult:
    """An accepted message. Accepted is not delivered: statuses arrive by webhook."""

    message_id: str
    wa_id: str
    to: str
    message_status: str
    response: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class WhatsAppClient:
    def __init__(
        self, runtime: Runtime, session: Session, *, policy: SendPolicy | None = None
    ) -> None:
        self.runtime = runtime
        self.session = session
        self.policy = policy or SendPolicy()
        values = session.values
        self.phone_number_id = _required(values, "phoneNumberId", session)
        waba = values.get("businessAccountId")
        self.business_account_id = str(waba) if waba else None
        self.provider = provider_of(values, runtime.settings)

    @property
    def pacer(self) -> WhatsAppPacer:
        return pacer_for(self.runtime, self.phone_number_id)

    @property
    def _wire(self) -> asyncio.Semaphore:
        """The number's sends on the wire at once (``REQUESTS_IN_FLIGHT``), process-wide."""
        wire: asyncio.Semaphore = self.runtime.shared_object(
            f"whatsapp.wire:{self.phone_number_id}", lambda: asyncio.Semaphore(REQUESTS_IN_FLIGHT)
        )
        return wire

    # ------------------------------------------------------------------ sends
    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        components: list[dict[str, Any]],
        *,
        callback_data: str | None = None,
        on_leaving: Leaving | None = None,
        on_accepted: Accepted | None = None,
    ) -> SendResult:
        """Send an approved template (the only kind allowed outside the 24-hour window)."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        payload = self._envelope(to, "template", callback_data)
        payload["template"] = template
        subject = Subject(f"template '{name}' ({language}) to {to}", to, name, language)
        return await self._send(payload, subject, on_leaving, on_accepted)

    async def send_text(
        self,
        to: str,
        body: str,
        *,
        preview_url: bool = False,
        callback_data: str | None = None,
        on_leaving: Leaving | None = None,
        on_accepted: Accepted | None = None,
    ) -> SendResult:
        """Send free-form text: only within 24 hours of the customer's last message (131047)."""
        payload = self._envelope(to, "text", callback_data)
        payload["text"] = {"preview_url": preview_url, "body": body}
        subject = Subject(f"text message to {to}", to)
        return await self._send(payload, subject, on_leaving, on_accepted)

    def _envelope(self, to: str, kind: str, callback_data: str | None) -> dict[str, Any]:
        if BSUID.match(to):
            address = {"recipient": to}
        elif E164.match(to):
            address = {"to": to}
        else:
            raise errors.InputError.single(
                "to",
                f"{to!r} is not an E.164 number with a leading + (e.g. +919820012345) nor a "
                "WhatsApp user id (e.g. IN.1502576394655843); without the + WhatsApp would "
                "prepend the business number's country code",
            )
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **address,
            "type": kind,
        }
        if callback_data is not None:
            payload["biz_opaque_callback_data"] = callback_data
        return payload

    async def _send(
        self,
        payload: dict[str, Any],
        subject: Subject,
        on_leaving: Leaving | None,
        on_accepted: Accepted | None = None,
    ) -> SendResult:
        url = self.provider.messages_url(self.phone_number_id)
        to = addressee(payload)
        tries = Tries()
        leaving = _Once(on_leaving)
        while True:
            ticket = await self.pacer.acquire(to)
            slot = _Slot(self._wire)

            async def leaves(ticket: Ticket = ticket, slot: _Slot = slot) -> None:
                await leaving.run()  # the outbox's "sending" commit (first attempt only)
                await slot.take()
                self.pacer.left(ticket)  # the pacer's window counts the send from here

            try:
                try:
                    response = await self.runtime.http.post(
                        url, json=payload, auth=self.session.auth, extensions={ON_LEAVING: leaves}
                    )
                finally:
                    slot.give_back()
            except UNREACHED as exc:
                self.pacer.release(ticket)
                if tries.failures < self.policy.failure_retries:
                    await self._backoff(tries)
                    continue
                raise wa_errors.unreached(exc, subject) from None
            except httpx.TransportError as exc:
                raise wa_errors.outcome_unknown(
                    subject, f"{type(exc).__name__} after sending"
                ) from None
            except BaseException:
                if not leaving.done:
                    self.pacer.release(ticket)  # the hook refused: nothing left
                raise
            if response.is_success:
                result = self._accepted(response, payload, subject)
                await self._record(result, payload, on_accepted)
                return result
            error = self._refusal(response, subject)
            if not isinstance(error, wa_errors.SendOutcomeUnknown):
                self.pacer.release(ticket)  # Meta refused it: nothing reached the recipient
            if await self._should_retry(error, to, tries):
                continue
            raise error

    def _refusal(self, response: httpx.Response, subject: Subject) -> errors.XeroWaError:
        if response.status_code >= 500 and wa_errors.parse_graph_error(response) is None:
            return wa_errors.outcome_unknown(
                subject, f"HTTP {response.status_code} without a WhatsApp error body"
            )
        return wa_errors.error_for(response, subject, pair_wait=self.pacer.pair_interval)

    async def _should_retry(self, error: errors.XeroWaError, to: str, tries: Tries) -> bool:
        """Arrange the wait for a retryable refusal; False when it must be raised."""
        code = meta_code(error)
        policy = self.policy
        if code == 130429 and tries.throughput < policy.throughput_retries:
            tries.throughput += 1
            self.pacer.slow_down()
            log.info("130429 throughput limit: slowing all sends down (retry %d)", tries.throughput)
            return True
        if code == 131056 and tries.pair < policy.pair_retries:
            tries.pair += 1
            wait = self.pacer.back_off(to, self.pacer.pair_interval * tries.pair)
            log.info("131056 pair rate limit: next send to this recipient in %.1f s", wait)
            return True
        if code in PACED_CODES or isinstance(error, wa_errors.SendOutcomeUnknown):
            return False  # paced retries used up, or the message may exist
        retryable = isinstance(error, errors.UpstreamError) and error.retryable
        if retryable and tries.failures < policy.failure_retries:
            await self._backoff(tries)
            return True
        return False

    def _accepted(
        self, response: httpx.Response, payload: dict[str, Any], subject: Subject
    ) -> SendResult:
        try:
            body = response.json()
            message = body["messages"][0]
            contact = (body.get("contacts") or [{}])[0]
            result = SendResult(
                message_id=str(message["id"]),
                wa_id=str(
                    contact.get("wa_id") or contact.get("user_id") or addressee(payload).lstrip("+")
                ),
                to=addressee(payload),
                message_status=str(message.get("message_status") or "accepted"),
                response=body,
            )
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise wa_errors.outcome_unknown(
                subject, f"HTTP {response.status_code} without a message id"
            ) from None
        return result

    async def _record(
        self, result: SendResult, payload: dict[str, Any], on_accepted: Accepted | None
    ) -> None:
        """Remember the send, and run ``on_accepted``, in one write of the store's group commit
        (off the event loop, one fsync for every send in flight). A failure of the record alone
        must not turn a sent message into an error: it is undone alone and logged. A failure
        of ``on_accepted`` raises (the record goes with it)."""
        template = payload.get("template") or {}
        store = self.runtime.store
        sent_at = self.runtime.clock.now()

        def record() -> None:
            store.messages.record_sent(
                result.message_id,
                result.to,
                kind=str(payload["type"]),
                template=template.get("name"),
                language=(template.get("language") or {}).get("code"),
                callback_data=payload.get("biz_opaque_callback_data"),
                sent_at=sent_at,
            )

        def write() -> Exception | None:
            _, failure = alone(store, record)  # None once recorded
            if on_accepted is not None:
                on_accepted(result.message_id)
            return failure

        try:
            failure = await writes_for(self.runtime).run(write)
        except Exception as exc:
            if on_accepted is not None:
                raise
            failure = exc
        if failure is not None:
            log.warning("message %s sent but not recorded: %s", result.message_id, failure)

    async def _backoff(self, tries: Tries) -> None:
        rng: random.Random = self.runtime.shared_object("whatsapp.retry.random", random.Random)
        await self.runtime.clock.sleep(self.policy.backoff(tries.failures, rng))
        tries.failures += 1

    # ------------------------------------------------------------------ other calls
    async def upload_media(self, data: Binary) -> str:
        """Upload a file (an invoice PDF for a template header); returns the media id.

        A repeated upload only leaves an unused media object, so any transport failure is retried.
        """
        content_type = data.content_type or "application/octet-stream"
        filename = data.file_name or "file"
        subject = Subject(f"upload of {filename} ({content_type})")
        response = await self._call(
            "POST",
            self.provider.media_url(self.phone_number_id),
            subject,
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (filename, data.data, content_type)},
        )
        media_id = _json(response, subject).get("id")
        if not media_id:
            raise errors.UpstreamError(
                f"WhatsApp answered the {subject.what} without a media id",
                errors.UpstreamInfo(wa_errors.SERVICE, response.status_code),
            )
        return str(media_id)

    async def list_templates(self) -> list[dict[str, Any]]:
        """Every message template of the business account (all pages), for configuration checks.

        Graph paths page with cursors (``data``, ``paging.next``); a flat provider answers
        ``waba_templates`` with ``offset``/``total`` (360dialog).
        """
        url = self.provider.templates_url(self.business_account_id)
        subject = Subject("listing message templates")
        if self.provider.path_style == "flat":
            return await self._list_flat(url, subject)
        templates: list[dict[str, Any]] = []
        params = {"limit": "100"}
        while True:
            body = _json(await self._call("GET", url, subject, params=params), subject)
            templates.extend(_objects(body.get("data")))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return templates
            params = {"limit": "100", "after": str(after)}

    async def _list_flat(self, url: str, subject: Subject) -> list[dict[str, Any]]:
        templates: list[dict[str, Any]] = []
        while True:
            params = {"limit": "1000", "offset": str(len(templates))}
            body = _json(await self._call("GET", url, subject, params=params), subject)
            page = _objects(body.get("waba_templates", body.get("data")))
            templates.extend(page)
            total = body.get("total")
            if not page or not isinstance(total, int) or len(templates) >= total:
                return templates

    async def phone_number(self) -> dict[str, Any] | None:
        """The business number as Meta describes it (verified name, quality rating, throughput
        level), or None where the provider has no such call."""
        url = self.provider.number_url(self.phone_number_id)
        if url is None:
            return None
        subject = Subject("reading the business number")
        params = {"fields": NUMBER_FIELDS}
        return _json(await self._call("GET", url, subject, params=params), subject)

    async def create_template(self, definition: dict[str, Any]) -> dict[str, Any]:
        """Submit a template for review (``POST /{waba-id}/message_templates``; a flat provider's
        ``POST /v1/configs/templates``); returns the answer (``id``, ``status``, ``category``).

        Not retried after the request left: a second submission of the same name and language
        is refused by Meta (2388024), so a lost answer is settled by listing again.
        """
        url = self.provider.templates_url(self.business_account_id)
        name = definition.get("name")
        subject = Subject(f"submitting template '{name}' ({definition.get('language')})")
        try:
            response = await self.runtime.http.post(url, json=definition, auth=self.session.auth)
        except httpx.TransportError as exc:
            raise wa_errors.call_failed(exc, subject) from None
        if not response.is_success:
            raise wa_errors.error_for(response, subject)
        return _json(response, subject)

    async def _call(self, method: str, url: str, subject: Subject, **kw: Any) -> httpx.Response:
        """A call that may be repeated safely: transport failures and transient errors retried."""
        tries = Tries()
        while True:
            try:
                response = await self.runtime.http.request(
                    method, url, auth=self.session.auth, **kw
                )
            except httpx.TransportError as exc:
                if tries.failures < self.policy.failure_retries:
                    await self._backoff(tries)
                    continue
                raise wa_errors.call_failed(exc, subject) from None
            if response.is_success:
                return response
            error = wa_errors.error_for(response, subject)
            retryable = isinstance(error, errors.UpstreamError) and error.retryable
            if retryable and tries.failures < self.policy.failure_retries:
                await self._backoff(tries)
                continue
            raise error


class _Slot:
    """One send's place on the wire: taken after the "sending" commit, given back once the
    answer (or the failure) is in. Sends admitted by the pacer but not on the wire wait here, so
    the connection pool never holds more than ``REQUESTS_IN_FLIGHT`` of them: beyond that the
    pool's per-request bookkeeping (a scan of every connection, of every queued request) grows
    with the backlog and a slow server turned into a spiral (16 s of CPU per 100 sends, pool
    timeouts). The pacer counts a send when it takes its slot (``left``), so a wait here never
    lets a burst above the cap through."""

    def __init__(self, wire: asyncio.Semaphore) -> None:
        self._wire = wire
        self._held = False

    async def take(self) -> None:
        await self._wire.acquire()
        self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._wire.release()


class _Once:
    """The caller's ``on_leaving`` hook, run by the first request only (retries of a send belong
    to the same outbox attempt). Runs inside httpx, right before the transport."""

    def __init__(self, hook: Leaving | None) -> None:
        self.hook = hook
        self.done = hook is None

    async def run(self) -> None:
        if self.hook is not None and not self.done:
            await self.hook()
            self.done = True


def _json(response: httpx.Response, subject: Subject) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise errors.UpstreamError(
            f"WhatsApp answered {subject.what} with a body that is not a JSON object",
            errors.UpstreamInfo(wa_errors.SERVICE, response.status_code),
        )
    return body


def addressee(payload: Mapping[str, Any]) -> str:
    """The number (``to``) or user id (``recipient``) a send goes to."""
    return str(payload.get("to") or payload.get("recipient") or "")


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _required(values: Mapping[str, Any], key: str, session: Session) -> str:
    value = values.get(key)
    if not value:
        raise errors.ConnectionError(
            f"{session.describe()} has no {key}",
            reconnect=f"add {key} to the whatsappCloud connection",
        )
    return str(value)
