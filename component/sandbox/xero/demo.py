"""The seeded demo organisation generator.

Same ``seed`` and ``today`` → the same tenant ids, contact ids, invoice ids, numbers and amounts,
so a demo script, a test and a benchmark can name records by id. Invoices cover every status with
due dates spread around ``today`` (overdue by a day to months, due soon, paid, voided ...), in the
organisation's base currency and two others. The loop is plain Python over ``__slots__`` records:
100,000 invoices take a couple of seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from component.sandbox.config import TenantSpec
from component.sandbox.xero.demo_people import company_name, person_name, phones_for
from component.sandbox.xero.demo_settings import seed_documents, seed_settings
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import Account, Contact, Invoice, Item, LineItem, Payment, money

#: (weight, status, type) — the invoice mix; AUTHORISED dominates, as in a real ledger.
STATUS_MIX = [
    (8, "DRAFT"),
    (4, "SUBMITTED"),
    (52, "AUTHORISED"),
    (26, "PAID"),
    (5, "VOIDED"),
    (5, "DELETED"),
]
_STATUS_TABLE = [status for weight, status in STATUS_MIX for _ in range(weight)]
CATALOG = [
    ("CONSULT", "Consulting (hourly)", 2500.0),
    ("DESIGN", "Design work", 4000.0),
    ("SUPPORT", "Monthly support plan", 12000.0),
    ("TRAINING", "Training session", 8000.0),
    ("LICENCE", "Software licence", 15000.0),
    ("HOSTING", "Hosting (monthly)", 1800.0),
]
RATES = {"USD": 0.012, "GBP": 0.0094, "EUR": 0.011, "AUD": 0.9, "NZD": 1.0, "INR": 1.0}
TERMS = (7, 14, 15, 30, 30, 45)
_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_BITS = (0x4 << 76) | (0x2 << 62)


def new_id(rng: random.Random) -> str:
    """A version-4 UUID string from ``rng`` (formatted by hand: ``uuid.UUID`` is 3x slower)."""
    n = (rng.getrandbits(128) & _UUID_MASK) | _UUID_BITS
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def tenant_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"xero-demo:{seed}:{index}")  # noqa: S311 - demo data, not security


def generate_org(spec: TenantSpec, index: int, seed: int, today: date, now: datetime) -> Org:
    """Build one tenant's organisation with ``spec.contacts`` contacts and ``spec.invoices``."""
    rng = tenant_rng(seed, index)
    tenant_id = new_id(rng)
    org = Org(
        tenant_id=tenant_id,
        name=spec.name,
        short_code=f"!{tenant_id[:5]}",
        country=spec.country,
        base_currency=spec.base_currency,
        currencies=[spec.base_currency, *spec.other_currencies],
        timezone=spec.timezone,
        tax_rate=spec.tax_rate,
        created=now - timedelta(days=3 * 365),
    )
    _accounts(org, rng, now)
    _items(org, rng, now)
    contact_ids = _contacts(org, spec, rng, now)
    if contact_ids:
        _invoices(org, spec, rng, today, now, contact_ids)
    # a separate stream, so the records above stay exactly what they were before these existed
    extra = random.Random(f"{seed}:{index}:settings")  # noqa: S311 - demo data, not security
    seed_settings(org, extra, now)
    seed_documents(org, extra, today, now)
    return org


def _accounts(org: Org, rng: random.Random, now: datetime) -> None:
    chart = [
        ("090", "Business Bank Account", "BANK", "", True),
        ("091", "Business Savings Account", "BANK", "", True),
        ("200", "Sales", "REVENUE", "", False),
        ("260", "Other Revenue", "REVENUE", "", False),
        ("400", "Advertising", "OVERHEADS", "", False),
        ("429", "General Expenses", "OVERHEADS", "", False),
        ("610", "Accounts Receivable", "CURRENT", "DEBTORS", False),
        ("800", "Accounts Payable", "CURRLIAB", "CREDITORS", False),
        ("820", "GST", "CURRLIAB", "GST", False),
    ]
    for code, name, kind, system, payments in chart:
        account = Account(
            account_id=new_id(rng),
            code=code,
            name=name,
            type=kind,
            updated=now,
            system_account=system,
            enable_payments=payments,
            tax_type="NONE" if kind in ("BANK", "CURRENT", "CURRLIAB") else "OUTPUT",
            bank_account_number=f"{rng.randint(10**9, 10**10 - 1)}" if kind == "BANK" else "",
            bank_account_type="BANK" if kind == "BANK" else "",
            currency=org.base_currency if kind == "BANK" else "",
        )
        org.accounts[account.account_id] = account


def _items(org: Org, rng: random.Random, now: datetime) -> None:
    for code, name, price in CATALOG:
        item = Item(
            item_id=new_id(rng),
            code=code,
            name=name,
            description=name,
            updated=now,
            sales={"UnitPrice": price, "AccountCode": "200", "TaxType": "OUTPUT"},
            purchase={"UnitPrice": round(price * 0.6, 2), "AccountCode": "429", "TaxType": "INPUT"},
        )
        org.items[item.item_id] = item


def _contacts(org: Org, spec: TenantSpec, rng: random.Random, now: datetime) -> list[str]:
    ids: list[str] = []
    used: set[str] = set()
    for n in range(spec.contacts):
        first, last = person_name(rng, spec.country)
        is_company = rng.random() < 0.4
        name = company_name(rng, spec.country) if is_company else f"{first} {last}"
        if name.casefold() in used:
            name = f"{name} ({n + 1})"
        used.add(name.casefold())
        _style, phones = phones_for(rng, spec.country)
        email = f"{first}.{last}{n}@example.com".lower() if rng.random() < 0.8 else ""
        contact = Contact(
            contact_id=new_id(rng),
            name=name,
            first_name=first,
            last_name=last,
            email=email,
            phones=phones,
            is_customer=True,
            updated=now - timedelta(days=rng.randint(30, 900)),
            contact_number=f"C{n + 1:05d}",
            status="ARCHIVED" if rng.random() < 0.03 else "ACTIVE",
        )
        org.contacts[contact.contact_id] = contact
        ids.append(contact.contact_id)
    return ids


def _invoices(
    org: Org,
    spec: TenantSpec,
    rng: random.Random,
    today: date,
    now: datetime,
    contact_ids: list[str],
) -> None:
    """The hot loop: draws use ``rng.random()`` directly and dates are shared objects."""
    bank = next(a for a in org.accounts.values() if a.type == "BANK")
    currencies = [spec.base_currency] * 8 + list(spec.other_currencies)
    rate, base, rnd = org.tax_rate, spec.base_currency, rng.random
    issue_days = [today - timedelta(days=d) for d in range(201)]
    due_days: dict[tuple[int, int], date] = {}
    morning = [datetime.combine(d, time(9), UTC) for d in issue_days]
    # integer cents in the loop: round() on floats is the slowest step at 100,000 invoices
    cents = {
        c: {
            code: round(p * (1 if c == base else RATES.get(c, 1.0)) * 100)
            for code, _n, p in CATALOG
        }
        for c in currencies
    }
    rate_milli = round(rate * 1000)
    bill_number = 0
    for _ in range(spec.invoices):
        status = _STATUS_TABLE[int(rnd() * len(_STATUS_TABLE))]
        sale = rnd() >= 0.12
        kind = "ACCREC" if sale else "ACCPAY"
        day = int(rnd() * 201)
        term = TERMS[int(rnd() * len(TERMS))]
        due = due_days.get((day, term))
        if due is None:
            due = due_days[(day, term)] = issue_days[day] + timedelta(days=term)
        currency = currencies[int(rnd() * len(currencies))]
        lines: list[LineItem] = []
        sub_c = tax_c = 0
        for _line in range(1 + int(rnd() * 3)):
            code, name, _price = CATALOG[int(rnd() * len(CATALOG))]
            qty = 1 + int(rnd() * 10)
            amount_c = qty * cents[currency][code]
            line_tax_c = (amount_c * rate_milli + 500) // 1000
            sub_c += amount_c
            tax_c += line_tax_c
            lines.append(
                LineItem(
                    new_id(rng),
                    name,
                    float(qty),
                    cents[currency][code] / 100,
                    "200" if sale else "429",
                    "OUTPUT" if sale else "INPUT",
                    line_tax_c / 100,
                    amount_c / 100,
                    code,
                )
            )
        sub_total, tax = sub_c / 100, tax_c / 100
        if sale:
            number = org.next_invoice_number()
        else:
            bill_number += 1
            number = f"SUP-{bill_number:05d}"
        stamp = morning[day] + timedelta(minutes=int(rnd() * 600))
        invoice = Invoice(
            invoice_id=new_id(rng),
            type=kind,
            status=status,
            contact_id=contact_ids[int(rnd() * len(contact_ids))],
            number=number,
            reference=f"PO-{1000 + int(rnd() * 9000)}" if rnd() < 0.5 else "",
            date=issue_days[day],
            due_date=due,
            currency=currency,
            currency_rate=RATES.get(currency, 1.0) if currency != base else 1.0,
            line_amount_types="Exclusive",
            lines=lines,
            sub_total=sub_total,
            total_tax=tax,
            total=(sub_c + tax_c) / 100,
            updated=min(stamp, now),
            sent_to_contact=status in ("AUTHORISED", "PAID") and rnd() < 0.7,
        )
        org.add_invoice(invoice)
        if status == "PAID":
            _pay(org, rng, invoice, bank.account_id, invoice.total, min(due, today))
        elif status == "AUTHORISED" and rnd() < 0.15:
            _pay(org, rng, invoice, bank.account_id, money(invoice.total * 0.4), issue_days[day])


def _pay(
    org: Org, rng: random.Random, invoice: Invoice, account_id: str, amount: float, when: date
) -> None:
    payment = Payment(
        payment_id=new_id(rng),
        invoice_id=invoice.invoice_id,
        account_id=account_id,
        date=when,
        amount=amount,
        updated=invoice.updated,
        payment_type="ACCRECPAYMENT" if invoice.type == "ACCREC" else "ACCPAYPAYMENT",
        currency_rate=invoice.currency_rate,
    )
    org.payments[payment.payment_id] = payment
    invoice.payment_ids = [payment.payment_id]
    invoice.amount_paid = amount
    if invoice.amount_due <= 0:
        invoice.fully_paid_on = when
