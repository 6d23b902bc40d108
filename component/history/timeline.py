"""Timelines: what was sent about one invoice (or to one contact), and what became of it.

``invoice_timelines("INV-0042")`` finds the invoice by number or id in every organisation (an
invoice number is unique only within one) and returns, for each, the steps in order: each
notification (stage, template, message id, to whom) and Meta's statuses for it (sent, delivered,
read, or failed with the code and what it means), the History note written in Xero, the e-mail
Xero sent instead, and the day it was paid when the worker has seen it paid. Nothing here calls
Xero: it is the store's record of what the product did.
"""

from __future__ import annotations

from typing import Any

from component.orgs.find import unknown
from component.runtime import Runtime
from component.storage.activity import Notification
from component.storage.invoice_facts import InvoiceFact


def invoice_timelines(runtime: Runtime, wanted: str) -> list[dict[str, Any]]:
    store = runtime.store
    facts = store.invoice_facts.find_invoices(wanted)
    if not facts:
        raise unknown("invoice", "--invoice", wanted, store.invoice_facts.known_numbers())
    names = _org_names(runtime)
    out: list[dict[str, Any]] = []
    for fact in facts:
        notes = store.invoice_facts.notes(fact.tenant_id, fact.invoice_id)
        notifications = store.activity.invoice_notifications(fact.tenant_id, fact.invoice_id)
        steps: list[dict[str, Any]] = [step for n in notifications for step in _steps(n)]
        steps += [
            {"at": note.written_at, "event": "note written in Xero", "text": note.text}
            for note in notes
        ]
        if fact.paid_on:
            steps.append({"at": fact.paid_on, "event": "paid", "paidOn": fact.paid_on})
        out.append(
            {
                "invoice": _invoice(fact, names),
                "timeline": sorted(steps, key=_order),
            }
        )
    return out


def contact_timelines(runtime: Runtime, wanted: str) -> list[dict[str, Any]]:
    store = runtime.store
    contacts = store.invoice_facts.find_contacts(wanted)
    if not contacts:
        raise unknown("contact", "--contact", wanted, store.invoice_facts.known_contact_names())
    names = _org_names(runtime)
    out: list[dict[str, Any]] = []
    for tenant_id, contact_id, name in contacts:
        facts = store.invoice_facts.of_contact(tenant_id, contact_id)
        numbers = {f.invoice_id: f.number or f.invoice_id for f in facts}
        notifications = store.activity.contact_notifications(tenant_id, contact_id)
        steps: list[dict[str, Any]] = [step for n in notifications for step in _steps(n, numbers)]
        for fact in facts:
            for note in store.invoice_facts.notes(tenant_id, fact.invoice_id):
                steps.append(
                    {
                        "at": note.written_at,
                        "event": "note written in Xero",
                        "invoice": numbers[fact.invoice_id],
                        "text": note.text,
                    }
                )
            if fact.paid_on:
                steps.append(
                    {"at": fact.paid_on, "event": "paid", "invoice": numbers[fact.invoice_id]}
                )
        out.append(
            {
                "contact": {
                    "tenantId": tenant_id,
                    "organisation": names.get(tenant_id, tenant_id),
                    "contactId": contact_id,
                    "name": name,
                    "invoices": sorted(numbers.values()),
                },
                "timeline": sorted(steps, key=_order),
            }
        )
    return out


#: Within one second, the send comes before Meta's statuses (which carry whole seconds).
_RANK = {"sent": 1, "note written in Xero": 2, "delivered": 3, "read": 4, "played": 5, "failed": 6}


def _order(step: dict[str, Any]) -> tuple[str, int]:
    """Chronological: by the second it happened (a paid date counts as the end of its day),
    then the send, Meta's statuses in their order, notes."""
    at = str(step["at"])
    second = at[:19] if len(at) > 10 else f"{at}T23:59:59"
    return second, _RANK.get(str(step["event"]), 0)


def _steps(n: Notification, numbers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One notification as steps: the send (or refusal), then each status Meta reported."""
    head: dict[str, Any] = {
        "at": n.sent_at or n.created_at,
        "event": _event(n),
        "kind": n.kind,
        "stage": "+".join(n.stages),
        "state": n.state,
        "outboxKey": n.key,
    }
    if numbers is not None:
        head["invoices"] = [numbers.get(i, i) for i in n.invoices]
    if n.template:
        head["template"] = n.template
    if n.message_id:
        head["messageId"] = n.message_id
    if n.recipient and n.kind != "email":
        head["to"] = n.recipient
    if n.error_code:
        head["code"] = n.error_code
        head["meaning"] = n.error_meaning
    steps = [head]
    for status in n.statuses:
        step: dict[str, Any] = {"at": status.at, "event": status.status, "messageId": n.message_id}
        if status.code is not None:
            step["code"] = status.code
            step["meaning"] = status.meaning
        steps.append(step)
    return steps


def _event(n: Notification) -> str:
    what = {"reminder": "reminder", "alert": "alert", "email": "e-mail fallback"}.get(
        n.kind, n.kind
    )
    if n.kind == "email":
        return {"sent": "e-mail fallback sent by Xero"}.get(n.state, f"e-mail fallback {n.state}")
    return {
        "sent": f"{what} sent",
        "failed": f"{what} refused",
        "unknown": f"{what} outcome unknown (held for review)",
        "sending": f"{what} outcome unknown (held for review)",
        "intent": f"{what} claimed, not sent yet",
    }.get(n.state, f"{what} {n.state}")


def _invoice(fact: InvoiceFact, names: dict[str, str]) -> dict[str, Any]:
    return {
        "tenantId": fact.tenant_id,
        "organisation": names.get(fact.tenant_id, fact.tenant_id),
        "invoiceId": fact.invoice_id,
        "number": fact.number,
        "contact": fact.contact_name,
        "contactId": fact.contact_id,
        "status": fact.status,
        "paidOn": fact.paid_on,
    }


def _org_names(runtime: Runtime) -> dict[str, str]:
    return {o.tenant_id: o.name or o.tenant_id for o in runtime.store.organisations.all()}


def render(timelines: list[dict[str, Any]], subject: str) -> list[str]:
    """Plain lines for the terminal (``xero-wa history`` without ``--json``)."""
    lines = []
    for entry in timelines:
        head = entry[subject]
        if subject == "invoice":
            title = f"{head['number'] or head['invoiceId']} · {head['contact'] or '?'}"
        else:
            title = f"{head['name']} ({len(head['invoices'])} invoice(s))"
        lines.append(f"{title} · {head['organisation']}")
        if not entry["timeline"]:
            lines.append("  nothing sent yet")
        for step in entry["timeline"]:
            lines.append(f"  {str(step['at'])[:19]:19}  {_line(step)}")
    return lines


def _line(step: dict[str, Any]) -> str:
    parts = [step["event"]]
    if step.get("stage"):
        parts.append(step["stage"])
    if step.get("template"):
        parts.append(f"template {step['template']}")
    if step.get("invoices"):
        parts.append(", ".join(step["invoices"]))
    if step.get("to"):
        parts.append(f"to {step['to']}")
    if step.get("messageId") and step["event"] not in ("delivered", "read", "sent", "failed"):
        parts.append(str(step["messageId"]))
    if step.get("code") is not None:
        parts.append(f"code {step['code']}: {step.get('meaning')}")
    if step.get("text"):
        parts.append(f"“{step['text']}”")
    return " · ".join(parts)
