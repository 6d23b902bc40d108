"""``/Reports/…``: the six reports a receivables workflow reads, in Xero's Rows/Cells structure.

Every report is ``{"Reports": [{ReportID, ReportName, ReportType, ReportTitles, ReportDate,
UpdatedDateUTC, Rows}]}``; ``Rows`` holds a ``Header`` row, ``Section`` rows (with a ``Title`` and
their own ``Rows`` of ``Row``/``SummaryRow``), and each row's ``Cells`` are ``{"Value": text}``
(amounts as plain decimals, ``"1234.50"``), account rows carrying the account id in
``Attributes``. Figures are computed from the sandbox's ledger: invoices (accrual basis: sales
and purchases by invoice date), payments and credit notes; no manual journals exist here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import Invoice, money
from component.sandbox.xero.world import XeroWorld

Row = dict[str, Any]
BOOKED = ("AUTHORISED", "PAID")


def amount(value: float) -> str:
    return f"{money(value):.2f}"


def cells(*values: Any, account: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"Value": str(v)} for v in values]
    if account is not None:
        for cell in out:
            cell["Attributes"] = [{"Value": account, "Id": "account"}]
    return out


def header(*values: str) -> Row:
    return {"RowType": "Header", "Cells": cells(*values)}


def row(*values: Any, account: str | None = None) -> Row:
    return {"RowType": "Row", "Cells": cells(*values, account=account)}


def summary(*values: Any) -> Row:
    return {"RowType": "SummaryRow", "Cells": cells(*values)}


def section(title: str, rows: Iterable[Row]) -> Row:
    return {"RowType": "Section", "Title": title, "Rows": list(rows)}


def report(ctx: Ctx, kind: str, name: str, titles: list[str], rows: list[Row]) -> Response:
    body = {
        "ReportID": kind,
        "ReportName": name,
        "ReportType": kind,
        "ReportTitles": titles,
        "ReportDate": ctx.now.date().strftime("%-d %B %Y"),
        "UpdatedDateUTC": xe.ms_date(ctx.now),
        "Rows": rows,
    }
    return xe.json_response(xe.envelope("Reports", [body], ctx.now))


def day(ctx: Ctx, name: str, default: date) -> date:
    raw = ctx.query(name)
    try:
        return xe.parse_date(raw) or default
    except ValueError:
        raise xe.XeroProblem(
            xe.validation_messages([f"{name} '{raw}' is not a valid date"])
        ) from None


def booked(org: Org, kind: str, start: date | None, end: date) -> list[Invoice]:
    return [
        i
        for i in org.invoices.values()
        if i.type == kind
        and i.status in BOOKED
        and i.date <= end
        and (start is None or i.date >= start)
    ]


def cash(org: Org, start: date | None, end: date) -> tuple[float, float]:
    """(received, spent) by payments dated in the period."""
    received = spent = 0.0
    for payment in org.payments.values():
        if payment.status != "AUTHORISED" or payment.date > end or (start and payment.date < start):
            continue
        if payment.payment_type == "ACCRECPAYMENT":
            received += payment.amount
        else:
            spent += payment.amount
    return money(received), money(spent)


def _title(org: Org, name: str, when: str) -> list[str]:
    return [name, org.name, when]


def aged_receivables(ctx: Ctx) -> Response:
    org = ctx.org
    contact_id = (ctx.query("contactId") or "").lower()
    contact = org.contacts.get(contact_id)
    if contact is None:
        return xe.validation_messages(["contactId must name an existing contact"])
    as_of = day(ctx, "date", ctx.now.date())
    rows = []
    totals = [0.0, 0.0, 0.0, 0.0]
    for inv in sorted(org.invoices.values(), key=lambda i: i.date):
        if (
            inv.contact_id != contact_id
            or inv.type != "ACCREC"
            or inv.status != "AUTHORISED"
            or inv.date > as_of
        ):
            continue
        figures = [inv.total, inv.amount_paid, inv.amount_credited, inv.amount_due]
        totals = [t + f for t, f in zip(totals, figures, strict=True)]
        due = inv.due_date.isoformat() if inv.due_date else ""
        rows.append(row(inv.date.isoformat(), inv.number, due, "", *map(amount, figures)))
    rows.append(summary("Total", "", "", "", *map(amount, totals)))
    titles = _title(org, "Invoices", f"From {contact.name}, as at {as_of:%-d %B %Y}")
    head = header("Date", "Reference", "Due Date", "", "Total", "Paid", "Credited", "Due")
    return report(
        ctx,
        "AgedReceivablesByContact",
        "Aged Receivables By Contact",
        titles,
        [head, section("", rows)],
    )


def profit_and_loss(ctx: Ctx) -> Response:
    org = ctx.org
    end = day(ctx, "toDate", ctx.now.date())
    start = day(ctx, "fromDate", end.replace(day=1))
    income = money(sum(i.sub_total for i in booked(org, "ACCREC", start, end)))
    costs = money(sum(i.sub_total for i in booked(org, "ACCPAY", start, end)))
    sales = org.account_by_code("200")
    expenses = org.account_by_code("429")
    rows = [
        header("", f"{start:%-d %b %y} - {end:%-d %b %y}"),
        section(
            "Income",
            [
                row("Sales", amount(income), account=sales.account_id if sales else None),
                summary("Total Income", amount(income)),
            ],
        ),
        section(
            "Less Operating Expenses",
            [
                row(
                    "General Expenses",
                    amount(costs),
                    account=expenses.account_id if expenses else None,
                ),
                summary("Total Operating Expenses", amount(costs)),
            ],
        ),
        section("", [summary("Net Profit", amount(income - costs))]),
    ]
    titles = _title(org, "Profit & Loss", f"For the period {start:%-d %B %Y} to {end:%-d %B %Y}")
    return report(ctx, "ProfitAndLoss", "Profit and Loss", titles, rows)


def _positions(org: Org, as_of: date) -> dict[str, float]:
    received, spent = cash(org, None, as_of)
    receivable = sum(
        i.amount_due for i in booked(org, "ACCREC", None, as_of) if i.status == "AUTHORISED"
    )
    payable = sum(
        i.amount_due for i in booked(org, "ACCPAY", None, as_of) if i.status == "AUTHORISED"
    )
    return {
        "bank": money(received - spent),
        "receivable": money(receivable),
        "payable": money(payable),
    }


def balance_sheet(ctx: Ctx) -> Response:
    org = ctx.org
    as_of = day(ctx, "date", ctx.now.date())
    p = _positions(org, as_of)
    assets = p["bank"] + p["receivable"]
    rows = [
        header("", f"{as_of:%-d %b %Y}"),
        section(
            "Assets",
            [
                row("Business Bank Account", amount(p["bank"])),
                row("Accounts Receivable", amount(p["receivable"])),
                summary("Total Assets", amount(assets)),
            ],
        ),
        section(
            "Liabilities",
            [
                row("Accounts Payable", amount(p["payable"])),
                summary("Total Liabilities", amount(p["payable"])),
            ],
        ),
        section("", [summary("Net Assets", amount(assets - p["payable"]))]),
    ]
    return report(
        ctx,
        "BalanceSheet",
        "Balance Sheet",
        _title(org, "Balance Sheet", f"As at {as_of:%-d %B %Y}"),
        rows,
    )


def trial_balance(ctx: Ctx) -> Response:
    """Debits equal credits: sales and purchases at their subtotals, tax netted into GST, cash
    through the bank, and what credit notes settled shown on its own line."""
    org = ctx.org
    as_of = day(ctx, "date", ctx.now.date())
    p = _positions(org, as_of)
    sales = booked(org, "ACCREC", None, as_of)
    purchases = booked(org, "ACCPAY", None, as_of)
    credited = sum(i.amount_credited for i in sales)
    gst = sum(i.total_tax for i in sales) - sum(i.total_tax for i in purchases)
    lines = [
        ("Business Bank Account", p["bank"], 0.0),
        ("Accounts Receivable", p["receivable"], 0.0),
        ("Credit Notes Allocated", credited, 0.0),
        ("General Expenses", sum(i.sub_total for i in purchases), 0.0),
        ("Accounts Payable", 0.0, p["payable"]),
        ("Sales", 0.0, sum(i.sub_total for i in sales)),
        ("GST", 0.0, gst),
    ]
    body = [
        row(name, amount(debit), amount(credit), amount(debit), amount(credit))
        for name, debit, credit in lines
    ]
    debit = sum(d for _n, d, _c in lines)
    credit = sum(c for _n, _d, c in lines)
    body.append(summary("Total", amount(debit), amount(credit), amount(debit), amount(credit)))
    rows = [
        header("Account", "Debit", "Credit", "YTD Debit", "YTD Credit"),
        section("Accounts", body),
    ]
    titles = _title(org, "Trial Balance", f"As at {as_of:%-d %B %Y}")
    return report(ctx, "TrialBalance", "Trial Balance", titles, rows)


def bank_summary(ctx: Ctx) -> Response:
    org = ctx.org
    end = day(ctx, "toDate", ctx.now.date())
    start = day(ctx, "fromDate", end.replace(day=1))
    body = []
    totals = [0.0, 0.0, 0.0, 0.0]
    for account in sorted(
        (a for a in org.accounts.values() if a.type == "BANK"), key=lambda a: a.code
    ):
        mine = [
            p
            for p in org.payments.values()
            if p.account_id == account.account_id and p.status == "AUTHORISED"
        ]
        before = sum(
            p.amount if p.payment_type == "ACCRECPAYMENT" else -p.amount
            for p in mine
            if p.date < start
        )
        inside = [p for p in mine if start <= p.date <= end]
        received = sum(p.amount for p in inside if p.payment_type == "ACCRECPAYMENT")
        spent = sum(p.amount for p in inside if p.payment_type != "ACCRECPAYMENT")
        figures = [before, received, spent, before + received - spent]
        totals = [t + f for t, f in zip(totals, figures, strict=True)]
        body.append(row(account.name, *map(amount, figures), account=account.account_id))
    body.append(summary("Total", *map(amount, totals)))
    rows = [
        header(
            "Bank Accounts", "Opening Balance", "Cash Received", "Cash Spent", "Closing Balance"
        ),
        section("", body),
    ]
    titles = _title(org, "Bank Summary", f"From {start:%-d %B %Y} to {end:%-d %B %Y}")
    return report(ctx, "BankSummary", "Bank Summary", titles, rows)


def executive_summary(ctx: Ctx) -> Response:
    org = ctx.org
    as_of = day(ctx, "date", ctx.now.date())
    start = as_of.replace(day=1)
    received, spent = cash(org, start, as_of)
    income = sum(i.sub_total for i in booked(org, "ACCREC", start, as_of))
    costs = sum(i.sub_total for i in booked(org, "ACCPAY", start, as_of))
    p = _positions(org, as_of)
    rows = [
        header("", f"{as_of:%b %Y}"),
        section(
            "Cash",
            [
                row("Cash received", amount(received)),
                row("Cash spent", amount(spent)),
                row("Surplus (Deficit)", amount(received - spent)),
                row("Closing bank balance", amount(p["bank"])),
            ],
        ),
        section(
            "Profitability",
            [
                row("Income", amount(income)),
                row("Expenses", amount(costs)),
                row("Net Profit", amount(income - costs)),
            ],
        ),
        section(
            "Balance Sheet",
            [row("Debtors", amount(p["receivable"])), row("Creditors", amount(p["payable"]))],
        ),
    ]
    return report(
        ctx,
        "ExecutiveSummary",
        "Executive Summary",
        _title(org, "Executive Summary", f"For the month of {as_of:%B %Y}"),
        rows,
    )


def routes(world: XeroWorld) -> list[Route]:
    handlers = {
        "AgedReceivablesByContact": aged_receivables,
        "ProfitAndLoss": profit_and_loss,
        "BalanceSheet": balance_sheet,
        "TrialBalance": trial_balance,
        "BankSummary": bank_summary,
        "ExecutiveSummary": executive_summary,
    }
    return [
        Route(f"/Reports/{name}", endpoint(world, "reports", handler), methods=["GET"])
        for name, handler in handlers.items()
    ]
