"""``/BankTransactions``: list, get and create spend and receive money.

Xero's rules: ``Type`` is RECEIVE or SPEND (the overpayment, prepayment and transfer types are
made by other endpoints); ``BankAccount`` (by AccountID or Code) must be an account of type BANK,
or Xero answers "Bank account is not valid"; line items are required and their account codes must
exist. New transactions are AUTHORISED and not reconciled.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import doc_write, docs
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, boolean, text
from component.sandbox.xero.records import Account
from component.sandbox.xero.where import Field
from component.sandbox.xero.world import XeroWorld

NAME, ID = "BankTransactions", "BankTransactionID"
TYPES = {"RECEIVE": "ACCREC", "SPEND": "ACCPAY"}
FIELDS = {
    **docs.common_fields(ID),
    "bankaccount.accountid": Field("guid", lambda d: d["BankAccount"]["AccountID"]),
    "bankaccount.code": Field("string", lambda d: d["BankAccount"].get("Code", "")),
    "isreconciled": Field("bool", lambda d: d.get("IsReconciled", False)),
}


def _bank(ctx: Ctx, raw: Any) -> Account:
    if not isinstance(raw, dict) or not (raw.get("AccountID") or raw.get("Code")):
        raise Invalid("A bank account must be specified")
    if raw.get("AccountID"):
        account = ctx.org.accounts.get(str(raw["AccountID"]).lower())
    else:
        account = ctx.org.account_by_code(str(raw["Code"]))
    if account is None or account.type != "BANK" or account.status != "ACTIVE":
        raise Invalid("Bank account is not valid")
    return account


def _new(ctx: Ctx, el: dict[str, Any]) -> dict[str, Any]:
    kind = str(el.get("Type") or "").upper()
    errors: list[str] = [] if kind in TYPES else ["Type must be RECEIVE or SPEND"]
    bank = None
    try:
        bank = _bank(ctx, el.get("BankAccount"))
    except Invalid as exc:
        errors.extend(exc.messages)
    try:
        common = doc_write.body(ctx, el, TYPES.get(kind, "ACCREC"), need_lines=True)
        reconciled = boolean(el.get("IsReconciled"), "IsReconciled", False)
        url = text(el.get("Url"), "Url")
    except Invalid as exc:
        errors.extend(exc.messages)
    if errors or bank is None:
        raise Invalid(*errors)
    doc: dict[str, Any] = {"Type": kind, ID: str(uuid.uuid4())}
    doc["BankAccount"] = {"AccountID": bank.account_id, "Code": bank.code, "Name": bank.name}
    doc.update(common)
    doc.update({"Status": "AUTHORISED", "IsReconciled": reconciled, "HasAttachments": False})
    if url:
        doc["Url"] = url
    return doc


def create(ctx: Ctx) -> Response:
    made, failed = [], []
    for el in elements_of(ctx.json(), NAME):
        try:
            if not isinstance(el, dict):
                raise Invalid("Each bank transaction must be an object")
            made.append(_new(ctx, el))
        except Invalid as exc:
            failed.append(xe.echo(el if isinstance(el, dict) else {}, exc.messages))
    if failed and ctx.flag("summarizeErrors", default=True):
        return xe.validation_error(failed)
    out = [docs.save(ctx, NAME, ID, d) for d in made] + failed
    return xe.json_response(xe.envelope(NAME, out, ctx.now))


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "invoices", handler)

    one = "/BankTransactions/{BankTransactionID}"
    return [
        Route(
            "/BankTransactions",
            ep(lambda ctx: docs.listing(ctx, NAME, ID, FIELDS)),
            methods=["GET"],
        ),
        Route("/BankTransactions", ep(create), methods=["PUT"]),
        Route(
            one,
            ep(lambda ctx: docs.one(ctx, NAME, docs.find(ctx, NAME, "BankTransactionID"))),
            methods=["GET"],
        ),
    ]
