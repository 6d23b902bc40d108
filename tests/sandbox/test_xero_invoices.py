"""``/Invoices`` as a Xero client sees it: filters, paging, writes, status rules, sub-resources."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.state import SandboxState

pytestmark = pytest.mark.anyio
INV = "/api.xro/2.0/Invoices"


def new_invoice(**extra: Any) -> dict[str, Any]:
    body = {
        "Type": "ACCREC",
        "Contact": {"Name": "Asha Verma"},
        "DueDate": "2026-08-01",
        "LineItems": [
            {"Description": "Consulting", "Quantity": 2, "UnitAmount": 500, "AccountCode": "200"}
        ],
    }
    return body | extra


async def create(client: httpx.AsyncClient, h: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = await client.put(INV, json={"Invoices": [new_invoice(**extra)]}, headers=h)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()["Invoices"][0]
    return invoice


async def test_list_is_wrapped_in_xero_envelope_with_ms_dates(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    response = await client.get(INV, params={"page": 1}, headers=h)
    body = response.json()
    assert response.status_code == 200
    assert body["Status"] == "OK"
    assert body["DateTimeUTC"].startswith("/Date(")
    assert body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 3, "itemCount": 240}
    first = body["Invoices"][0]
    assert first["Date"].startswith("/Date(")
    assert first["Date"].endswith("+0000)/")
    assert "LineItems" in first


async def test_unpaged_list_returns_everything_without_line_items(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    body = (await client.get(INV, headers=h)).json()
    assert len(body["Invoices"]) == 240
    assert "pagination" not in body
    assert all("LineItems" not in i for i in body["Invoices"])


async def test_overdue_query_with_statuses_where_and_paging(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    today = sandbox.xero.today
    assert today is not None
    where = (
        f'Type=="ACCREC" AND AmountDue>0 AND '
        f"DueDate<DateTime({today.year},{today.month:02d},{today.day:02d})"
    )
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    expected = sorted(
        i.invoice_id
        for i in org.invoices.values()
        if i.status == "AUTHORISED"
        and i.type == "ACCREC"
        and i.amount_due > 0
        and i.due_date is not None
        and i.due_date < today
    )
    assert expected
    seen: list[str] = []
    page, page_count = 1, 1
    while page <= page_count:
        body = (
            await client.get(
                INV,
                params={"Statuses": "AUTHORISED", "where": where, "page": page, "pageSize": 40},
                headers=h,
            )
        ).json()
        assert body["pagination"]["itemCount"] == len(expected)
        page_count = body["pagination"]["pageCount"]
        seen += [i["InvoiceID"] for i in body["Invoices"]]
        page += 1
    assert page_count == -(-len(expected) // 40) > 1
    assert sorted(seen) == expected
    beyond = await client.get(
        INV,
        params={"Statuses": "AUTHORISED", "where": where, "page": page, "pageSize": 40},
        headers=h,
    )
    assert beyond.json()["Invoices"] == []


async def test_page_size_is_capped_at_1000(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    body = (await client.get(INV, params={"page": 1, "pageSize": 5000}, headers=h)).json()
    assert body["pagination"]["pageSize"] == 1000


async def test_query_parameter_names_are_case_insensitive(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    body = (
        await client.get(
            "/api.xro/2.0/invoices",
            params={"statuses": "DRAFT", "PAGE": "1", "pagesize": "3"},
            headers=h,
        )
    ).json()
    assert body["pagination"]["pageSize"] == 3
    assert {i["Status"] for i in body["Invoices"]} == {"DRAFT"}


async def test_ids_numbers_contacts_search_and_order(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    all_ = (
        await client.get(INV, params={"page": 1, "order": "InvoiceNumber DESC"}, headers=h)
    ).json()["Invoices"]
    numbers = [i["InvoiceNumber"] for i in all_]
    assert numbers == sorted(numbers, reverse=True)
    pick = all_[:3]
    by_ids = (
        await client.get(INV, params={"IDs": ",".join(i["InvoiceID"] for i in pick)}, headers=h)
    ).json()["Invoices"]
    assert {i["InvoiceID"] for i in by_ids} == {i["InvoiceID"] for i in pick}
    by_numbers = (
        await client.get(INV, params={"InvoiceNumbers": pick[0]["InvoiceNumber"]}, headers=h)
    ).json()["Invoices"]
    assert [i["InvoiceID"] for i in by_numbers] == [pick[0]["InvoiceID"]]
    contact = pick[0]["Contact"]["ContactID"]
    by_contact = (await client.get(INV, params={"ContactIDs": contact}, headers=h)).json()
    assert {i["Contact"]["ContactID"] for i in by_contact["Invoices"]} == {contact}
    search = (
        await client.get(INV, params={"searchTerm": pick[0]["InvoiceNumber"].lower()}, headers=h)
    ).json()["Invoices"]
    assert pick[0]["InvoiceID"] in {i["InvoiceID"] for i in search}


async def test_where_on_contact_name_and_guid(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    first = (await client.get(INV, params={"page": 1, "pageSize": 1}, headers=h)).json()
    contact = first["Invoices"][0]["Contact"]
    by_guid = (
        await client.get(
            INV, params={"where": f'Contact.ContactID==Guid("{contact["ContactID"]}")'}, headers=h
        )
    ).json()
    word = contact["Name"].split()[0]
    by_name = (
        await client.get(INV, params={"where": f'Contact.Name.Contains("{word}")'}, headers=h)
    ).json()
    assert by_guid["Invoices"]
    assert by_name["Invoices"]
    assert {i["InvoiceID"] for i in by_guid["Invoices"]} <= {
        i["InvoiceID"] for i in by_name["Invoices"]
    }


async def test_bad_where_is_a_400_query_parse_exception(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    for where in ('Nope=="x"', 'Type=="ACCREC" AND', "AmountDue > "):
        response = await client.get(INV, params={"where": where}, headers=h)
        assert response.status_code == 400
        body = response.json()
        assert body["ErrorNumber"] == 16
        assert body["Type"] == "QueryParseException"
    response = await client.get(INV, params={"order": "Bogus"}, headers=h)
    assert response.status_code == 400
    assert response.json()["Type"] == "QueryParseException"


async def test_summary_only_drops_heavy_fields(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    body = (await client.get(INV, params={"summaryOnly": "true", "page": 1}, headers=h)).json()
    invoice = body["Invoices"][0]
    assert "LineItems" not in invoice
    assert "Payments" not in invoice
    assert invoice["AmountDue"] is not None


async def test_if_modified_since_returns_only_newer(
    client: httpx.AsyncClient, h: dict[str, str], clock: FakeClock
) -> None:
    clock.advance(60)
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    clock.advance(1)
    created = await create(client, h)
    body = (await client.get(INV, headers=h | {"If-Modified-Since": since})).json()
    assert [i["InvoiceID"] for i in body["Invoices"]] == [created["InvoiceID"]]


async def test_get_one_by_id_or_number_and_404(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    created = await create(client, h, Status="AUTHORISED")
    by_id = await client.get(f"{INV}/{created['InvoiceID']}", headers=h)
    by_number = await client.get(f"{INV}/{created['InvoiceNumber']}", headers=h)
    assert by_id.json()["Invoices"][0] == by_number.json()["Invoices"][0] | {
        "InvoiceID": created["InvoiceID"]
    }
    contact = by_id.json()["Invoices"][0]["Contact"]
    assert [p["PhoneType"] for p in contact["Phones"]] == ["DEFAULT", "DDI", "FAX", "MOBILE"]
    for missing in ("00000000-0000-0000-0000-000000000000", "not-a-guid"):
        response = await client.get(f"{INV}/{missing}", headers=h)
        assert response.status_code == 404
        assert response.text == "The resource you're looking for cannot be found"


async def test_create_computes_totals_numbers_and_creates_the_contact(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    expected_number = f"INV-{org.invoice_sequence + 1:04d}"
    invoice = await create(client, h, Status="AUTHORISED")
    assert invoice["Status"] == "AUTHORISED"
    assert invoice["SubTotal"] == 1000.0
    assert invoice["TotalTax"] == 180.0
    assert invoice["Total"] == invoice["AmountDue"] == 1180.0
    assert invoice["InvoiceNumber"] == expected_number
    assert invoice["Contact"]["Name"] == "Asha Verma"
    assert invoice["DueDate"] == "/Date(1785542400000+0000)/"
    assert org.contact_by_name("Asha Verma") is not None


async def test_summarize_errors_default_fails_the_whole_batch(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    before = len(org.invoices)
    bad = {"Type": "ACCREC", "LineItems": []}
    response = await client.put(INV, json={"Invoices": [new_invoice(), bad]}, headers=h)
    assert response.status_code == 400
    body = response.json()
    assert body["ErrorNumber"] == 10
    assert body["Type"] == "ValidationException"
    assert body["Message"] == "A validation exception occurred"
    messages = [m["Message"] for m in body["Elements"][0]["ValidationErrors"]]
    assert "A Contact must be specified for this type of transaction" in messages
    assert len(org.invoices) == before


async def test_summarize_errors_false_saves_the_good_ones(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    response = await client.put(
        INV,
        params={"summarizeErrors": "false"},
        json={"Invoices": [new_invoice(), {"Type": "ACCREC"}]},
        headers=h,
    )
    assert response.status_code == 200
    good, bad = response.json()["Invoices"]
    assert good["InvoiceID"]
    assert "ValidationErrors" not in good
    assert bad["HasErrors"] is True
    assert bad["ValidationErrors"]


async def test_rejected_elements_echo_dates_the_way_xero_writes_them(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    """Issue 10 item 24: with summarizeErrors=false a rejected element's dates come back as
    ``/Date(…)/`` with their ``…String`` twins, not as the ``2026-11-01`` the client sent."""
    bad = {"Type": "ACCREC", "Date": "2026-11-01", "DueDate": "2026-11-15"}
    response = await client.put(
        INV, params={"summarizeErrors": "false"}, json={"Invoices": [bad]}, headers=h
    )
    echoed = response.json()["Invoices"][0]
    assert echoed["HasErrors"] is True
    assert echoed["Date"] == "/Date(1793491200000+0000)/"
    assert echoed["DateString"] == "2026-11-01T00:00:00"
    assert echoed["DueDate"] == "/Date(1794700800000+0000)/"
    assert echoed["DueDateString"] == "2026-11-15T00:00:00"
    unreadable = {"Type": "ACCREC", "Date": "1st of November"}
    response = await client.put(
        INV, params={"summarizeErrors": "false"}, json={"Invoices": [unreadable]}, headers=h
    )
    assert response.json()["Invoices"][0]["Date"] == "1st of November"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"Status": "PAID"}, "Invoice not of valid status for creation"),
        ({"CurrencyCode": "JPY"}, "Organisation is not subscribed to currency JPY"),
        (
            {"LineItems": [{"Quantity": 1, "UnitAmount": 5}]},
            "The description field is mandatory for each line item.",
        ),
        (
            {"LineItems": [{"Description": "x", "AccountCode": "999"}]},
            "Account code '999' is not a valid code for this document.",
        ),
        ({"InvoiceNumber": "INV-0001"}, "Invoice # must be unique."),
        ({"Date": "31/12/2026"}, "Date is not a valid date ('31/12/2026')"),
        (
            {"Contact": {"ContactID": "00000000-0000-0000-0000-000000000000"}},
            "The contact with the specified ContactID could not be found",
        ),
    ],
)
async def test_validation_messages(
    client: httpx.AsyncClient, h: dict[str, str], extra: dict[str, Any], message: str
) -> None:
    response = await client.put(INV, json={"Invoices": [new_invoice(**extra)]}, headers=h)
    assert response.status_code == 400
    errors = [m["Message"] for m in response.json()["Elements"][0]["ValidationErrors"]]
    assert message in errors


async def test_malformed_bodies_are_400_never_500(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    for content in (b"{not json", b"", b"[1,2]", b'{"Invoices": [1, "x"]}', b'{"Invoices": 5}'):
        response = await client.put(
            INV, content=content, headers=h | {"Content-Type": "application/json"}
        )
        assert response.status_code == 400, content
    nonsense = {"Invoices": [{"Type": 5, "Contact": "x", "LineItems": "y", "Date": 7}]}
    assert (await client.post(INV, json=nonsense, headers=h)).status_code == 400


async def test_status_rules(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    draft = await create(client, h)
    url = f"{INV}/{draft['InvoiceID']}"

    async def to(status: str) -> httpx.Response:
        return await client.post(url, json={"Invoices": [{"Status": status}]}, headers=h)

    assert (await to("VOIDED")).status_code == 400  # drafts are deleted, not voided
    assert (await to("SUBMITTED")).json()["Invoices"][0]["Status"] == "SUBMITTED"
    assert (await to("AUTHORISED")).json()["Invoices"][0]["Status"] == "AUTHORISED"
    refused = await to("DELETED")
    assert refused.status_code == 400
    assert refused.json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Invoice not of valid status for modification"
    )
    assert (await to("VOIDED")).json()["Invoices"][0]["Status"] == "VOIDED"
    assert (await to("AUTHORISED")).status_code == 400
    other = await create(client, h)
    deleted = await client.post(
        f"{INV}/{other['InvoiceID']}", json={"Invoices": [{"Status": "DELETED"}]}, headers=h
    )
    body = deleted.json()["Invoices"][0]
    assert body["Status"] == "DELETED"
    assert body["AmountDue"] == 0.0


async def test_post_creates_or_updates_by_id(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    created = await create(client, h)
    response = await client.post(
        INV,
        json={
            "Invoices": [
                {
                    "InvoiceID": created["InvoiceID"],
                    "Reference": "PO-1",
                    "LineItems": [{"Description": "More", "Quantity": 1, "UnitAmount": 100}],
                },
                new_invoice(Reference="second"),
            ]
        },
        headers=h,
    )
    updated, second = response.json()["Invoices"]
    assert updated["InvoiceID"] == created["InvoiceID"]
    assert updated["Reference"] == "PO-1"
    assert updated["Total"] == 118.0
    assert second["InvoiceID"] != created["InvoiceID"]


async def test_online_invoice_email_and_pdf(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    draft = await create(client, h, Contact={"Name": "Mail Person", "EmailAddress": "m@x.io"})
    online = await client.get(f"{INV}/{draft['InvoiceID']}/OnlineInvoice", headers=h)
    assert online.status_code == 400
    approved = await create(client, h, Status="AUTHORISED", Contact={"Name": "Mail Person"})
    url = f"{INV}/{approved['InvoiceID']}"
    online = await client.get(f"{url}/OnlineInvoice", headers=h)
    link = online.json()["OnlineInvoices"][0]["OnlineInvoiceUrl"]
    assert link.startswith("https://in.xero.com/")
    email = await client.post(f"{url}/Email", json={}, headers=h)
    assert email.status_code == 204
    assert email.content == b""
    assert (await client.get(url, headers=h)).json()["Invoices"][0]["SentToContact"] is True
    pdf = await client.get(f"{url}/pdf", headers=h | {"Accept": "application/pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.content.rstrip().endswith(b"%%EOF")
    via_accept = await client.get(url, headers=h | {"Accept": "application/pdf"})
    assert via_accept.content.startswith(b"%PDF")


async def test_email_needs_a_contact_email(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    approved = await create(client, h, Status="AUTHORISED", Contact={"Name": "No Mail"})
    response = await client.post(f"{INV}/{approved['InvoiceID']}/Email", json={}, headers=h)
    assert response.status_code == 400
    assert response.json()["Type"] == "ValidationException"


async def test_history_get_and_put(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    created = await create(client, h)
    url = f"{INV}/{created['InvoiceID']}/History"
    added = await client.put(
        url, json={"HistoryRecords": [{"Details": "Reminder sent"}]}, headers=h
    )
    assert added.status_code == 200
    assert added.json()["HistoryRecords"][0]["Details"] == "Reminder sent"
    records = (await client.get(url, headers=h)).json()["HistoryRecords"]
    assert [r["Changes"] for r in records] == ["Note", "Created"]
    assert records[0]["DateUTC"].startswith("/Date(")
    empty = await client.put(url, json={"HistoryRecords": [{"Details": ""}]}, headers=h)
    assert empty.status_code == 400
    missing = await client.get(f"{INV}/00000000-0000-0000-0000-000000000000/History", headers=h)
    assert missing.status_code == 404


async def test_attachments_round_trip(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    created = await create(client, h)
    base = f"{INV}/{created['InvoiceID']}/Attachments"
    upload = await client.put(
        f"{base}/note.txt",
        params={"IncludeOnline": "true"},
        content=b"hello",
        headers=h | {"Content-Type": "text/plain"},
    )
    assert upload.status_code == 200
    meta = upload.json()["Attachments"][0]
    assert meta["FileName"] == "note.txt"
    assert meta["MimeType"] == "text/plain"
    assert meta["ContentLength"] == 5
    assert meta["IncludeOnline"] is True
    listing = (await client.get(base, headers=h)).json()["Attachments"]
    assert [a["FileName"] for a in listing] == ["note.txt"]
    download = await client.get(f"{base}/note.txt", headers=h)
    assert download.content == b"hello"
    by_id = await client.get(f"{base}/{meta['AttachmentID']}", headers=h)
    assert by_id.content == b"hello"
    replaced = await client.post(f"{base}/note.txt", content=b"bye", headers=h)
    assert replaced.json()["Attachments"][0]["AttachmentID"] == meta["AttachmentID"]
    assert (await client.get(f"{base}/note.txt", headers=h)).content == b"bye"
    invoice = (await client.get(f"{INV}/{created['InvoiceID']}", headers=h)).json()["Invoices"][0]
    assert invoice["HasAttachments"] is True
    assert (await client.put(f"{base}/empty.txt", content=b"", headers=h)).status_code == 400
    assert (await client.get(f"{base}/absent.txt", headers=h)).status_code == 404


async def test_demo_invoices_cover_every_status_and_due_dates_around_today(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    invoices = (await client.get(INV, headers=h)).json()["Invoices"]
    assert {i["Status"] for i in invoices} == {
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "PAID",
        "VOIDED",
        "DELETED",
    }
    today = sandbox.xero.today
    assert today is not None
    dues = [date.fromisoformat(i["DueDateString"][:10]) for i in invoices]
    assert min(dues) < today - timedelta(days=60)
    assert max(dues) > today
