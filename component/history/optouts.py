"""``xero-wa optouts``: who gets no reminder, by phone, WhatsApp user id, or Xero contact.

A phone or a WhatsApp user id applies to every organisation (the customer said STOP to the
number, whoever's invoice it was); a contact applies to its own organisation. A contact is
named by id or by name (found among the contacts the product has seen); a name several
organisations share needs ``--org``.
"""

from __future__ import annotations

from typing import Any

from component import errors
from component.orgs.defaults import OrgDefaults
from component.orgs.find import find_org, unknown
from component.orgs.view import load_all
from component.phones import normalise_recipient
from component.runtime import Runtime
from component.storage.optouts import CONTACT


def listing(runtime: Runtime) -> list[dict[str, Any]]:
    if not runtime.has_store:
        return []
    store = runtime.store
    names = {o.tenant_id: o.name for o in store.organisations.all()}
    rows = []
    for o in store.optouts.all():
        row: dict[str, Any] = {
            "scope": o.scope,
            "subject": o.subject,
            "tenantId": o.tenant_id,
            "organisation": names.get(o.tenant_id or "", o.tenant_id),
            "reason": o.reason,
            "source": o.source,
            "createdAt": o.created_at,
        }
        if o.scope == CONTACT and o.tenant_id:
            found = store.invoice_facts.find_contacts(o.subject)
            row["name"] = next((n for t, _c, n in found if t == o.tenant_id), None)
        rows.append(row)
    return rows


def change(
    runtime: Runtime,
    defaults: OrgDefaults,
    action: str,
    *,
    phone: str | None,
    contact: str | None,
    user_id: str | None,
    org: str | None,
    reason: str,
) -> dict[str, Any]:
    """Add or remove one opt-out; returns what changed."""
    store = runtime.store
    adding = action == "add"
    if phone:
        try:
            e164 = normalise_recipient(phone, default_region="IN")
        except ValueError as exc:
            raise errors.InputError.single("--phone", f"{exc}; write it as +CC…") from None
        if adding:
            store.optouts.add_phone(e164, reason=reason, source="cli")
            return {"optedOut": {"phone": e164}}
        return {"optedIn": {"phone": e164}, "wasOptedOut": store.optouts.remove_phone(e164)}
    if user_id:
        if adding:
            store.optouts.add_user(user_id.strip(), reason=reason, source="cli")
            return {"optedOut": {"userId": user_id.strip()}}
        return {
            "optedIn": {"userId": user_id.strip()},
            "wasOptedOut": store.optouts.remove_user(user_id),
        }
    if contact:
        tenant_id, contact_id, name = _contact(runtime, defaults, contact, org)
        who = {"tenantId": tenant_id, "contactId": contact_id, "name": name}
        if adding:
            store.optouts.add_contact(tenant_id, contact_id, reason=reason, source="cli")
            return {"optedOut": who}
        return {"optedIn": who, "wasOptedOut": store.optouts.remove_contact(tenant_id, contact_id)}
    raise errors.InputError.single("optouts", f"{action} needs --phone, --contact or --user-id")


def _contact(
    runtime: Runtime, defaults: OrgDefaults, wanted: str, org: str | None
) -> tuple[str, str, str]:
    store = runtime.store
    found = store.invoice_facts.find_contacts(wanted)
    if org:
        tenant = find_org(load_all(runtime, defaults), org, "--org").tenant_id
        found = [f for f in found if f[0] == tenant]
    if len(found) == 1:
        return found[0]
    if not found:
        raise unknown("contact", "--contact", wanted, store.invoice_facts.known_contact_names())
    listed = ", ".join(f"{n} ({c}) in {t}" for t, c, n in found)
    raise errors.InputError.single(
        "--contact", f"{len(found)} contacts match {wanted!r}: {listed}; add --org or pass the id"
    )
