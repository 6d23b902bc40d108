"""The ``where``/``order`` parser on its own: grammar, types, and Xero-style errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from component.sandbox.xero.where import (
    Field,
    QueryError,
    as_datetime,
    compile_order,
    compile_where,
    sort_records,
)

GUID = "8f3a3c1e-0b7e-4a5e-9a0c-2f6c1f4b9d21"


@dataclass
class Row:
    type: str
    status: str
    amount_due: float
    due: date | None
    number: str
    contact_name: str
    contact_id: str
    sent: bool = False


FIELDS = {
    "type": Field("string", lambda r: r.type),
    "status": Field("string", lambda r: r.status),
    "amountdue": Field("number", lambda r: r.amount_due),
    "duedate": Field("date", lambda r: as_datetime(r.due)),
    "invoicenumber": Field("string", lambda r: r.number),
    "contact.name": Field("string", lambda r: r.contact_name),
    "contact.contactid": Field("guid", lambda r: r.contact_id),
    "senttocontact": Field("bool", lambda r: r.sent),
}
ROWS = [
    Row("ACCREC", "AUTHORISED", 100.0, date(2026, 6, 1), "INV-0001", "Peter Parker", GUID, True),
    Row("ACCREC", "AUTHORISED", 0.0, date(2026, 6, 1), "INV-0002", "Mary Jane", GUID.upper()),
    Row("ACCPAY", "AUTHORISED", 50.0, date(2026, 5, 1), "SUP-1", "Peter Supplies", "x"),
    Row("ACCREC", "DRAFT", 70.0, date(2026, 7, 1), "INV-0003", "Bruce", "y"),
    Row("ACCREC", "AUTHORISED", 10.0, None, "INV-0004", "Peter Pan", "z"),
]


def run(where: str) -> list[str]:
    predicate = compile_where(where, FIELDS, "Invoice")
    return [r.number for r in ROWS if predicate(r)]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime(2026,06,23)', ["INV-0001"]),
        ('Type == "ACCREC" && Status != "DRAFT"', ["INV-0001", "INV-0002", "INV-0004"]),
        ('Status=="DRAFT" OR Type=="ACCPAY"', ["SUP-1", "INV-0003"]),
        ('Status=="DRAFT" || (Type=="ACCPAY" AND AmountDue>=50)', ["SUP-1", "INV-0003"]),
        ('Contact.Name.Contains("peter")', ["INV-0001", "SUP-1", "INV-0004"]),
        ('InvoiceNumber.StartsWith("INV") AND AmountDue<=10', ["INV-0002", "INV-0004"]),
        (f'Contact.ContactID==Guid("{GUID.upper()}")', ["INV-0001", "INV-0002"]),
        (f'Contact.ContactID==guid("{GUID}")', ["INV-0001", "INV-0002"]),
        (
            "DueDate>=DateTime(2026,6,1,0,0,0) AND DueDate<DateTime(2026,07,01)",
            ["INV-0001", "INV-0002"],
        ),
        ("DueDate==null", ["INV-0004"]),
        ("SentToContact==true", ["INV-0001"]),
        ("SentToContact", ["INV-0001"]),
        ('NOT (Type=="ACCREC")', ["SUP-1"]),
        ('type=="accrec" and amountdue > 60.5', ["INV-0001", "INV-0003"]),
        ("AmountDue > -1 AND AmountDue < 1", ["INV-0002"]),
        ('Contact.Name.EndsWith("Pan") OR InvoiceNumber=="inv-0003"', ["INV-0003", "INV-0004"]),
    ],
)
def test_where_selects_the_rows_xero_would(where: str, expected: list[str]) -> None:
    assert run(where) == expected


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ('Foo=="x"', "No property or field 'Foo' exists in type 'Invoice'"),
        ('Contact.Phone=="1"', "No property or field 'Phone' exists in type 'Contact'"),
        ('Type=="ACCREC" AND', "Expression expected"),
        ('(Type=="ACCREC"', "')' expected"),
        ('Type=="ACCREC', "Unterminated string literal"),
        (
            'AmountDue > "ten"',
            "Operator '>' incompatible with operand types 'Decimal' and 'String'",
        ),
        ("DueDate < DateTime(2026,13,1)", "Invalid DateTime value"),
        ('Contact.ContactID==Guid("nope")', "Guid should contain 32 digits"),
        ("Type", "Expression of type 'Boolean' expected"),
        ("", "Expression expected"),
        ('Type=="A" Status=="B"', "Syntax error"),
        ("AmountDue # 3", "Syntax error"),
    ],
)
def test_bad_where_raises_query_error(where: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_where(where, FIELDS, "Invoice")
    assert message in str(info.value)


def test_order_sorts_by_several_keys_with_direction_and_nulls_first() -> None:
    keys = compile_order("DueDate DESC, InvoiceNumber", FIELDS, "Invoice")
    ordered = [r.number for r in sort_records(ROWS, keys)]
    assert ordered == ["INV-0003", "INV-0001", "INV-0002", "SUP-1", "INV-0004"]
    ascending = [r.number for r in sort_records(ROWS, compile_order("DueDate", FIELDS, "Invoice"))]
    assert ascending[0] == "INV-0004"


@pytest.mark.parametrize("order", ["Nope", "DueDate SIDEWAYS", "DueDate,"])
def test_bad_order_raises_query_error(order: str) -> None:
    with pytest.raises(QueryError):
        compile_order(order, FIELDS, "Invoice")


def test_datetime_literals_are_utc() -> None:
    predicate = compile_where("DueDate==DateTime(2026,06,01)", FIELDS, "Invoice")
    assert predicate(ROWS[0])
    assert as_datetime(date(2026, 6, 1)) == datetime(2026, 6, 1, tzinfo=UTC)
