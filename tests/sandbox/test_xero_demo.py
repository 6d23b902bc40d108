"""The seeded demo organisation: deterministic, messy phones, every status, three currencies."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from component.sandbox.config import TenantSpec
from component.sandbox.xero.demo import generate_org
from component.sandbox.xero.org import Org

TODAY = date(2026, 6, 23)
NOW = datetime(2026, 6, 23, 9, 30, tzinfo=UTC)
SPEC = TenantSpec(name="Demo Company (IN)", contacts=300, invoices=2000)


def org(seed: int = 42, today: date = TODAY, spec: TenantSpec = SPEC) -> Org:
    return generate_org(spec, 0, seed, today, NOW)


def fingerprint(o: Org) -> list[tuple[object, ...]]:
    return [
        (i.invoice_id, i.number, i.status, i.total, i.contact_id, i.due_date)
        for i in o.invoices.values()
    ]


def test_same_seed_and_today_give_identical_data() -> None:
    first, second = org(), org()
    assert first.tenant_id == second.tenant_id
    assert fingerprint(first) == fingerprint(second)
    assert list(first.contacts) == list(second.contacts)
    assert org(seed=43).tenant_id != first.tenant_id


def test_due_dates_move_with_today_and_ids_do_not() -> None:
    later = org(today=TODAY + timedelta(days=10))
    base = org()
    assert list(later.invoices) == list(base.invoices)
    for a, b in zip(base.invoices.values(), later.invoices.values(), strict=True):
        assert a.due_date is not None
        assert b.due_date is not None
        assert b.due_date - a.due_date == timedelta(days=10)


def test_every_status_both_types_and_three_currencies() -> None:
    o = org()
    statuses = Counter(i.status for i in o.invoices.values())
    assert set(statuses) == {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
    assert statuses["AUTHORISED"] > statuses["DRAFT"]
    assert {i.type for i in o.invoices.values()} == {"ACCREC", "ACCPAY"}
    assert {i.currency for i in o.invoices.values()} == {"INR", "USD", "GBP"}
    paid = [i for i in o.invoices.values() if i.status == "PAID"]
    assert all(i.amount_due == 0 and i.fully_paid_on and i.payment_ids for i in paid)
    partly = [i for i in o.invoices.values() if i.status == "AUTHORISED" and i.amount_paid > 0]
    assert partly
    assert all(0 < i.amount_due < i.total for i in partly)


def test_overdue_and_not_yet_due_invoices_exist() -> None:
    open_ = [i for i in org().invoices.values() if i.status == "AUTHORISED" and i.due_date]
    assert any(i.due_date < TODAY - timedelta(days=90) for i in open_ if i.due_date)
    assert any(i.due_date < TODAY for i in open_ if i.due_date)
    assert any(i.due_date >= TODAY for i in open_ if i.due_date)


def test_phones_have_the_mess_real_xero_data_has() -> None:
    contacts = list(org().contacts.values())
    numbers = [p.number for c in contacts for p in c.phones]
    assert any(not c.phones for c in contacts), "contacts without any phone"
    assert any(n.startswith("+91") for n in numbers), "country code in the number"
    assert any(
        p.country_code == "91" and not p.number.startswith(("+", "0"))
        for c in contacts
        for p in c.phones
    ), "country code in its own field"
    assert any(re.match(r"^0[6-9]\d{4} \d{5}$", n) for n in numbers), "trunk zero"
    assert any("(" in n and ")" in n for n in numbers), "brackets"
    assert any(n.startswith("00") for n in numbers), "international 00 prefix"
    assert any(" " in n for n in numbers), "spaces"
    assert any(p.type == "DEFAULT" and p.area_code for c in contacts for p in c.phones), "landline"
    assert any(not re.search(r"\d{6,}", n.replace(" ", "")) for n in numbers), "invalid"
    assert {p.type for c in contacts for p in c.phones} >= {"MOBILE", "DEFAULT"}


def test_contact_names_are_unique_among_active_contacts() -> None:
    names = [c.name.casefold() for c in org().contacts.values()]
    assert len(names) == len(set(names))


def test_invoice_totals_add_up() -> None:
    for invoice in list(org().invoices.values())[:300]:
        assert round(sum(line.line_amount for line in invoice.lines), 2) == invoice.sub_total
        assert round(invoice.sub_total + invoice.total_tax, 2) == invoice.total


def test_generates_100000_invoices_each_with_its_own_number() -> None:
    """The size the remind bench runs at; how long building it takes is the bench's business
    (the sandbox prints its banner only once the world is built), not a timed test's."""
    big = TenantSpec(name="Big", contacts=2000, invoices=100_000)
    o = org(spec=big)
    assert len(o.invoices) == 100_000
    assert len({invoice.number for invoice in o.invoices.values()}) == 100_000
