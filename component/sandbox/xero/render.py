"""Records → Xero's JSON shapes (field names, Microsoft dates, the four-phone contact block).

``mode`` for invoices follows Xero: a single GET or a paged list carries line items; an unpaged list
carries no line items and only a contact summary; ``summaryOnly`` drops the heavy collections.
"""

from __future__ import annotations

from typing import Any, Literal

from component.sandbox.xero.envelope import date_string, ms_date, utc_string
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import (
    Account,
    Attachment,
    Contact,
    HistoryEntry,
    Invoice,
    Item,
    LineItem,
    Payment,
    Phone,
)

InvoiceMode = Literal["full", "paged", "unpaged", "summary"]
#: Xero always returns these four phone slots, empty ones with only their type.
STANDARD_PHONES = ("DEFAULT", "DDI", "FAX", "MOBILE")


def line_item(line: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LineItemID": line.line_item_id,
        "Description": line.description,
        "Quantity": line.quantity,
        "UnitAmount": line.unit_amount,
        "TaxType": line.tax_type,
        "TaxAmount": line.tax_amount,
        "LineAmount": line.line_amount,
        "AccountCode": line.account_code,
        "Tracking": [],
    }
    if line.item_code:
        out["ItemCode"] = line.item_code
    if line.discount_rate is not None:
        out["DiscountRate"] = line.discount_rate
    return out


def contact_summary(contact: Contact | None, contact_id: str) -> dict[str, Any]:
    return {
        "ContactID": contact_id,
        "Name": contact.name if contact else "",
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "HasValidationErrors": False,
    }


def invoice(org: Org, inv: Invoice, mode: InvoiceMode = "full") -> dict[str, Any]:
    contact = org.contacts.get(inv.contact_id)
    out: dict[str, Any] = {
        "Type": inv.type,
        "InvoiceID": inv.invoice_id,
        "InvoiceNumber": inv.number,
        "Reference": inv.reference,
    }
    if mode != "summary":
        out["Payments"] = [
            payment_summary(org.payments[p]) for p in inv.payment_ids if p in org.payments
        ]
        out["CreditNotes"] = []
        out["Prepayments"] = []
        out["Overpayments"] = []
    out.update(
        {
            "AmountDue": inv.amount_due,
            "AmountPaid": inv.amount_paid,
            "AmountCredited": inv.amount_credited,
            "SentToContact": inv.sent_to_contact,
            "CurrencyRate": inv.currency_rate,
            "IsDiscounted": False,
            "HasAttachments": inv.has_attachments,
            "HasErrors": False,
        }
    )
    if mode == "full" and contact is not None:
        out["Contact"] = contact_json(contact)
    else:
        out["Contact"] = contact_summary(contact, inv.contact_id)
    out["DateString"] = date_string(inv.date)
    out["Date"] = ms_date(inv.date)
    if inv.due_date is not None:
        out["DueDateString"] = date_string(inv.due_date)
        out["DueDate"] = ms_date(inv.due_date)
    if inv.expected_payment_date is not None:
        out["ExpectedPaymentDate"] = ms_date(inv.expected_payment_date)
    out["Status"] = inv.status
    out["LineAmountTypes"] = inv.line_amount_types
    if mode in ("full", "paged"):
        out["LineItems"] = [line_item(line) for line in inv.lines]
    out.update(
        {
            "SubTotal": inv.sub_total,
            "TotalTax": inv.total_tax,
            "Total": inv.total,
            "UpdatedDateUTC": ms_date(inv.updated),
            "CurrencyCode": inv.currency,
        }
    )
    if inv.fully_paid_on is not None:
        out["FullyPaidOnDate"] = ms_date(inv.fully_paid_on)
    if inv.url:
        out["Url"] = inv.url
    if inv.branding_theme_id:
        out["BrandingThemeID"] = inv.branding_theme_id
    return out


def phones(contact: Contact) -> list[dict[str, str]]:
    by_type = {p.type: p for p in contact.phones}
    order = list(STANDARD_PHONES) + [t for t in by_type if t not in STANDARD_PHONES]
    return [_phone(by_type.get(t, Phone(t))) for t in order]


def _phone(phone: Phone) -> dict[str, str]:
    out = {"PhoneType": phone.type}
    for key, value in (
        ("PhoneNumber", phone.number),
        ("PhoneAreaCode", phone.area_code),
        ("PhoneCountryCode", phone.country_code),
    ):
        if value:
            out[key] = value
    return out


def contact_json(contact: Contact, *, summary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ContactID": contact.contact_id,
        "ContactStatus": contact.status,
        "Name": contact.name,
    }
    for key, value in (
        ("FirstName", contact.first_name),
        ("LastName", contact.last_name),
        ("EmailAddress", contact.email),
        ("ContactNumber", contact.contact_number),
        ("AccountNumber", contact.account_number),
        ("TaxNumber", contact.tax_number),
        ("DefaultCurrency", contact.default_currency),
    ):
        if value:
            out[key] = value
    if not summary:
        out["Addresses"] = list(contact.addresses)
        out["Phones"] = phones(contact)
        out["ContactGroups"] = []
        out["ContactPersons"] = []
        for key, value in contact.extra.items():
            out[key] = value
    out["UpdatedDateUTC"] = ms_date(contact.updated)
    out["IsSupplier"] = contact.is_supplier
    out["IsCustomer"] = contact.is_customer
    out["HasAttachments"] = contact.has_attachments
    out["HasValidationErrors"] = False
    return out


def item(record: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"ItemID": record.item_id, "Code": record.code}
    if record.name:
        out["Name"] = record.name
    if record.description:
        out["Description"] = record.description
    if record.purchase_description:
        out["PurchaseDescription"] = record.purchase_description
    out.update(
        {
            "UpdatedDateUTC": ms_date(record.updated),
            "PurchaseDetails": dict(record.purchase),
            "SalesDetails": dict(record.sales),
            "IsTrackedAsInventory": record.is_tracked_as_inventory,
            "IsSold": record.is_sold,
            "IsPurchased": record.is_purchased,
        }
    )
    return out


def account(record: Account) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AccountID": record.account_id,
        "Code": record.code,
        "Name": record.name,
        "Status": record.status,
        "Type": record.type,
        "TaxType": record.tax_type,
        "Description": record.description,
        "Class": record.klass,
        "EnablePaymentsToAccount": record.enable_payments,
        "ShowInExpenseClaims": record.show_in_expense_claims,
        "ReportingCode": record.reporting_code,
        "HasAttachments": record.has_attachments,
        "UpdatedDateUTC": ms_date(record.updated),
        "AddToWatchlist": False,
    }
    if record.system_account:
        out["SystemAccount"] = record.system_account
    if record.type == "BANK":
        out["BankAccountNumber"] = record.bank_account_number
        out["BankAccountType"] = record.bank_account_type or "BANK"
        if record.currency:
            out["CurrencyCode"] = record.currency
    return out


def payment_summary(record: Payment) -> dict[str, Any]:
    return {
        "PaymentID": record.payment_id,
        "Date": ms_date(record.date),
        "Amount": record.amount,
        "Reference": record.reference,
        "CurrencyRate": record.currency_rate,
        "HasAccount": True,
        "HasValidationErrors": False,
    }


def payment(org: Org, record: Payment) -> dict[str, Any]:
    inv = org.invoices.get(record.invoice_id)
    acct = org.accounts.get(record.account_id)
    out: dict[str, Any] = {
        "PaymentID": record.payment_id,
        "Date": ms_date(record.date),
        "BankAmount": record.amount,
        "Amount": record.amount,
        "Reference": record.reference,
        "CurrencyRate": record.currency_rate,
        "PaymentType": record.payment_type,
        "Status": record.status,
        "UpdatedDateUTC": ms_date(record.updated),
        "HasAccount": acct is not None,
        "IsReconciled": record.is_reconciled,
        "HasValidationErrors": False,
    }
    if acct is not None:
        out["Account"] = {"AccountID": acct.account_id, "Code": acct.code, "Name": acct.name}
    if inv is not None:
        out["Invoice"] = {
            "Type": inv.type,
            "InvoiceID": inv.invoice_id,
            "InvoiceNumber": inv.number,
            "Contact": contact_summary(org.contacts.get(inv.contact_id), inv.contact_id),
            "CurrencyCode": inv.currency,
            "Payments": [],
            "CreditNotes": [],
            "Prepayments": [],
            "Overpayments": [],
            "HasErrors": False,
            "IsDiscounted": False,
            "LineItems": [],
        }
    return out


def organisation(org: Org) -> dict[str, Any]:
    return {
        "OrganisationID": org.tenant_id,
        "APIKey": "",
        "Name": org.name,
        "LegalName": org.name,
        "PaysTax": True,
        "Version": "GLOBAL" if org.country not in ("AU", "NZ", "UK", "US") else org.country,
        "OrganisationType": "COMPANY",
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country,
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "MONTHLY",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_date(org.created),
        "OrganisationEntityType": "COMPANY",
        "Timezone": org.timezone,
        "ShortCode": org.short_code,
        "Edition": "BUSINESS",
        "Class": "DEMO",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def history(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "Changes": entry.changes,
        "DateUTCString": utc_string(entry.when),
        "DateUTC": ms_date(entry.when),
        "User": entry.user,
        "Details": entry.details,
    }


def attachment(record: Attachment, url: str) -> dict[str, Any]:
    return {
        "AttachmentID": record.attachment_id,
        "FileName": record.filename,
        "Url": url,
        "MimeType": record.mime_type,
        "ContentLength": len(record.data),
        "IncludeOnline": record.include_online,
    }
