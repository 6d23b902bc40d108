"""Payment actions against the sandbox."""

from __future__ import annotations

from typing import Any

from tests.actions.scenarios import scenario
from tests.actions.scenarios.invoices import new_invoice
from tests.xero.sandboxed import Sandboxed


async def pay(sb: Sandboxed, amount: str = "10000") -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = await new_invoice(sb)
    data = await sb.run(
        "payInvoice",
        {"invoiceId": invoice["InvoiceID"], "accountId": "090", "paymentAmount": amount},
    )
    payment: dict[str, Any] = data["Payments"][0]
    return invoice, payment


@scenario("payInvoice", "getPayment")
async def pay_and_get(sb: Sandboxed) -> None:
    invoice, payment = await pay(sb)
    got = (await sb.run("getPayment", {"paymentId": payment["PaymentID"]}))["Payments"][0]
    assert got["Amount"] == 10000
    assert got["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    assert sb.org.invoices[invoice["InvoiceID"]].amount_paid == 10000
    bank = next(a for a in sb.org.accounts.values() if a.code == "090")
    by_id = await sb.run(
        "payInvoice",
        {
            "invoiceId": invoice["InvoiceNumber"],
            "accountId": bank.account_id,
            "paymentAmount": "500.50",
            "dateString": "2026-07-10T00:00:00",
        },
    )
    assert by_id["Payments"][0]["Amount"] == 500.5


@scenario("getPaymentHistory")
async def history(sb: Sandboxed) -> None:
    _invoice, payment = await pay(sb)
    data = await sb.run("getPaymentHistory", {"paymentId": payment["PaymentID"]})
    assert "HistoryRecords" in data


@scenario("reversePayment")
async def reverse(sb: Sandboxed) -> None:
    invoice, payment = await pay(sb)
    data = await sb.run("reversePayment", {"paymentId": payment["PaymentID"]})
    assert data["Payments"][0]["Status"] == "DELETED"
    assert sb.org.invoices[invoice["InvoiceID"]].amount_paid == 0


@scenario("listPayments")
async def list_payments(sb: Sandboxed) -> None:
    everything = await sb.run("listPayments", {"fetchAll": True})
    assert len(everything["Payments"]) == len(sb.org.payments)
    received = await sb.run("listPayments", {"where": 'PaymentType=="ACCRECPAYMENT"'})
    assert {p["PaymentType"] for p in received["Payments"]} == {"ACCRECPAYMENT"}
