"""``/Accounts``: the chart of accounts. ``PUT`` takes ONE unwrapped Account object (unlike every
other collection), ``POST /Accounts/{id}`` updates or archives, ``DELETE`` answers 200 with the
account marked DELETED. System accounts and accounts already used cannot be deleted.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import query, render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, boolean, text
from component.sandbox.xero.records import ACCOUNT_CLASSES, Account
from component.sandbox.xero.where import Field, FieldTable
from component.sandbox.xero.world import XeroWorld


def fields() -> FieldTable:
    return {
        "accountid": Field("guid", lambda a: a.account_id),
        "code": Field("string", lambda a: a.code),
        "name": Field("string", lambda a: a.name),
        "type": Field("string", lambda a: a.type),
        "status": Field("string", lambda a: a.status),
        "class": Field("string", lambda a: a.klass),
        "taxtype": Field("string", lambda a: a.tax_type),
        "systemaccount": Field("string", lambda a: a.system_account),
        "enablepaymentstoaccount": Field("bool", lambda a: a.enable_payments),
        "bankaccountnumber": Field("string", lambda a: a.bank_account_number),
        "updateddateutc": Field("date", lambda a: a.updated),
    }


def find(ctx: Ctx) -> Account:
    account = ctx.org.accounts.get(str(ctx.params.get("AccountID", "")).lower())
    if account is None:
        raise xe.XeroProblem(xe.not_found())
    return account


def list_accounts(ctx: Ctx) -> Response:
    org = ctx.org
    since = query.modified_since(ctx)
    modified = query.updated_after(since)
    matched = query.select(
        ctx,
        "accounts",
        lambda: org.accounts.values(),
        fields,
        "Account",
        [modified] if modified else [],
        (since,),
        lambda a: a.account_id,
        org.accounts.get,
    )
    return xe.json_response(xe.envelope("Accounts", [render.account(a) for a in matched], ctx.now))


def get_account(ctx: Ctx) -> Response:
    return xe.json_response(xe.envelope("Accounts", [render.account(find(ctx))], ctx.now))


def _apply(ctx: Ctx, el: dict[str, Any], account: Account) -> list[str]:
    """Validate ``el`` and apply it to ``account`` (a fresh or copied record); return messages."""
    errors: list[str] = []
    try:
        if "Code" in el:
            account.code = text(el["Code"], "Code", 10).strip()
        if "Name" in el:
            account.name = text(el["Name"], "Name", 150).strip()
        if "Description" in el:
            account.description = text(el["Description"], "Description", 4000)
        if "TaxType" in el:
            account.tax_type = text(el["TaxType"], "TaxType") or account.tax_type
        if "BankAccountNumber" in el:
            account.bank_account_number = text(el["BankAccountNumber"], "BankAccountNumber")
        if "CurrencyCode" in el:
            account.currency = text(el["CurrencyCode"], "CurrencyCode", 3).upper()
        if "EnablePaymentsToAccount" in el:
            account.enable_payments = boolean(
                el["EnablePaymentsToAccount"], "EnablePaymentsToAccount", False
            )
        if "Type" in el:
            account.type = text(el["Type"], "Type").upper()
        if "Status" in el:
            account.status = text(el["Status"], "Status").upper()
    except Invalid as exc:
        errors.extend(exc.messages)
    if not account.code:
        errors.append("Please enter a Code for the account.")
    if not account.name:
        errors.append("Please enter a Name for the account.")
    if account.type not in ACCOUNT_CLASSES:
        errors.append(f"Account Type '{account.type}' is not valid.")
    if account.status not in ("ACTIVE", "ARCHIVED"):
        errors.append(f"Status '{account.status}' is not valid for an account.")
    if account.status == "ARCHIVED" and account.system_account:
        errors.append("System accounts cannot be archived.")
    if account.type == "BANK" and not account.bank_account_number:
        errors.append("Bank account number is required for a bank account.")
    for other in ctx.org.accounts.values():
        if other.account_id == account.account_id:
            continue
        if account.code and other.code.casefold() == account.code.casefold():
            errors.append("Please enter a unique Code.")
        if account.name and other.name.casefold() == account.name.casefold():
            errors.append("Please enter a unique Name.")
    return errors


def create(ctx: Ctx) -> Response:
    body = ctx.json()
    if not isinstance(body, dict):
        raise xe.XeroProblem(xe.post_data_invalid("The request must contain one Account object"))
    account = Account(str(uuid.uuid4()), "", "", "", ctx.now)
    errors = _apply(ctx, body, account)
    if errors:
        return xe.validation_messages(errors, body)
    ctx.org.accounts[account.account_id] = account
    ctx.org.bump("accounts")
    return xe.json_response(xe.envelope("Accounts", [render.account(account)], ctx.now))


def update(ctx: Ctx) -> Response:
    current = find(ctx)
    elements = elements_of(ctx.json(), "Accounts")
    if len(elements) != 1 or not isinstance(elements[0], dict):
        raise xe.XeroProblem(xe.post_data_invalid("The request must contain one Account"))
    staged = Account(**{slot: getattr(current, slot) for slot in Account.__slots__})
    errors = _apply(ctx, elements[0], staged)
    if errors:
        return xe.validation_messages(errors, elements[0])
    staged.updated = ctx.now
    ctx.org.accounts[current.account_id] = staged
    ctx.org.bump("accounts")
    return xe.json_response(xe.envelope("Accounts", [render.account(staged)], ctx.now))


def delete(ctx: Ctx) -> Response:
    account = find(ctx)
    if account.system_account:
        return xe.validation_messages(["System accounts cannot be deleted."])
    used = any(p.account_id == account.account_id for p in ctx.org.payments.values()) or any(
        line.account_code == account.code for inv in ctx.org.invoices.values() for line in inv.lines
    )
    if used:
        return xe.validation_messages(
            ["This account has transactions and cannot be deleted. Archive it instead."]
        )
    del ctx.org.accounts[account.account_id]
    account.status = "DELETED"
    account.updated = ctx.now
    ctx.org.bump("accounts")
    return xe.json_response(xe.envelope("Accounts", [render.account(account)], ctx.now))


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "settings", handler)

    return [
        Route("/Accounts", ep(list_accounts), methods=["GET"]),
        Route("/Accounts", ep(create), methods=["PUT"]),
        Route("/Accounts/{AccountID}", ep(get_account), methods=["GET"]),
        Route("/Accounts/{AccountID}", ep(update), methods=["POST"]),
        Route("/Accounts/{AccountID}", ep(delete), methods=["DELETE"]),
    ]
