"""Who a notification goes to: the Xero contact, its phones, and the one E.164 number to use.

- The contact's name and phones come from what the caller already holds (an invoice's contact
  summary), else the contacts cache (kept fresh by contact webhooks and each reminder run), else
  one ``getContact`` call whose answer refreshes the cache.
- The number is chosen by ``component.phones.whatsapp_number`` (MOBILE first, parsed in the
  contact's country or the default region, mobiles only, never guessed).
- The default region is the policy's or ``DEFAULT_PHONE_REGION``, else the organisation's
  country (``component.phones.default_region``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from component import errors
from component.executor import Executor
from component.phones import PhoneChoice, default_region, whatsapp_number
from component.runtime import Runtime
from component.sessions import Session


@dataclass(frozen=True)
class Recipient:
    contact_id: str
    name: str
    number: PhoneChoice

    @property
    def e164(self) -> str | None:
        return self.number.e164


def phone_region(runtime: Runtime, configured: str | None, org_country: str | None) -> str:
    """Where numbers without a country code are read: configured, else the org's country."""
    if configured:
        return default_region(configured, org_country, source="phones.defaultRegion")
    return default_region(runtime.settings.default_phone_region, org_country)


def choose_number(phones: Sequence[Mapping[str, Any]], region: str) -> PhoneChoice:
    """The WhatsApp number among a contact's phones, or why there is none."""
    return whatsapp_number(phones, default_region=region)


async def lookup(
    runtime: Runtime,
    executor: Executor,
    session: Session,
    summary: Mapping[str, Any],
    region: str,
) -> Recipient:
    """The recipient of a record's contact (``summary``: an invoice's ``Contact`` object)."""
    contact_id = str(summary.get("ContactID") or "")
    name, phones = await _contact(runtime, executor, session, contact_id, summary)
    return Recipient(contact_id, name, choose_number(phones, region))


async def _contact(
    runtime: Runtime,
    executor: Executor,
    session: Session,
    contact_id: str,
    summary: Mapping[str, Any],
) -> tuple[str, list[dict[str, Any]]]:
    """Name and phones: the summary's, else the cache's, else one getContact call."""
    name = str(summary.get("Name") or "")
    phones = [p for p in summary.get("Phones") or [] if p.get("PhoneNumber")]
    if phones or not contact_id:
        return name, phones
    cache = runtime.store.contacts_cache
    tenant = session.tenant_id or ""
    cached = (await asyncio.to_thread(cache.get_many, tenant, [contact_id])).get(contact_id.lower())
    if cached is not None:
        return cached.name or name, list(cached.phones)
    result = await executor.invoke("getContact", {"contactId": contact_id}, session=session)
    contact = first_record(result["data"], "Contacts")
    await asyncio.to_thread(refresh_contacts, runtime, tenant, [contact])
    return str(contact.get("Name") or name), list(contact.get("Phones") or [])


def refresh_contacts(runtime: Runtime, tenant_id: str, contacts: list[dict[str, Any]]) -> int:
    """Store contacts' names and phones in the contacts cache every notification reads."""
    rows = [
        (
            str(c["ContactID"]),
            str(c.get("Name") or ""),
            list(c.get("Phones") or []),
            str(c["UpdatedDateUTC"]) if c.get("UpdatedDateUTC") else None,
        )
        for c in contacts
        if c.get("ContactID")
    ]
    return runtime.store.contacts_cache.put_many(tenant_id, rows) if rows else 0


def first_record(data: Any, collection: str) -> dict[str, Any]:
    """``{"Invoices": [{...}]}`` → the first record; an UpstreamError when there is none."""
    items = data.get(collection) if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise errors.UpstreamError(
            f"Xero's answer has no {collection}", errors.UpstreamInfo("xero", 200)
        )
    record: dict[str, Any] = items[0]
    return record
