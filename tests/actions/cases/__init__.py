"""Every action's pinned requests, by group; ``ALL`` feeds the contract test."""

from __future__ import annotations

from tests.actions.cases import accounts, attachments, contacts, invoices, items, other, payments
from tests.actions.harness import Case

ALL: list[Case] = [
    *invoices.CASES,
    *contacts.CASES,
    *items.CASES,
    *accounts.CASES,
    *payments.CASES,
    *attachments.CASES,
    *other.CASES,
]
