"""Every action's pinned requests, by group; ``ALL`` feeds the contract test."""

from __future__ import annotations

from tests.actions.cases import (
    accounts,
    attachments,
    breadth,
    contacts,
    invoices,
    items,
    other,
    payments,
)
from tests.actions.harness import Case

#: The reference component's 35 Xero actions, then the ones this component adds.
REFERENCE_ACTIONS = (
    "addNoteToInvoice", "addNoteToItem", "archiveAccount", "archiveContact", "createAccount",
    "createAttachment", "createContact", "createInvoice", "createItem", "deleteAccount",
    "deleteInvoice", "deleteItem", "getAccount", "getAttachment", "getContact",
    "getContactHistory", "getInvoice", "getItem", "getItemHistory", "getPayment",
    "getPaymentHistory", "listAccounts", "listConnections", "listContacts", "listInvoices",
    "listItems", "listPayments", "payInvoice", "rawRequest", "reversePayment", "sendInvoice",
    "updateAccount", "updateContact", "updateItem", "voidInvoice",
)  # fmt: skip
ADDED_ACTIONS = (
    "updateInvoice", "getOnlineInvoiceUrl", "getInvoicePdf", "getInvoiceHistory",
    "listAttachments", "getOrganisation", "listOverdueInvoices",
)  # fmt: skip
#: Added for a receivables workflow (issue 16).
BREADTH_ACTIONS = (
    "listCreditNotes", "getCreditNote", "createCreditNote", "allocateCreditNote", "voidCreditNote",
    "getCreditNotePdf", "listQuotes", "getQuote", "createQuote", "updateQuoteStatus",
    "listRepeatingInvoices", "getRepeatingInvoice", "listBankTransactions", "getBankTransaction",
    "createBankTransaction", "listContactGroups", "getContactGroup", "addContactsToGroup",
    "removeContactFromGroup", "listTaxRates", "listTrackingCategories", "listCurrencies",
    "listBrandingThemes", "getAgedReceivablesByContact", "getProfitAndLoss", "getBalanceSheet",
    "getTrialBalance", "getBankSummary", "getExecutiveSummary", "listOverpayments",
    "listPrepayments",
)  # fmt: skip
XERO_ACTIONS = REFERENCE_ACTIONS + ADDED_ACTIONS + BREADTH_ACTIONS

ALL: list[Case] = [
    *invoices.CASES,
    *contacts.CASES,
    *items.CASES,
    *accounts.CASES,
    *payments.CASES,
    *attachments.CASES,
    *other.CASES,
    *breadth.CASES,
]
