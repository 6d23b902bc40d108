"""The playground: every action's form from the manifest, picklists, runs, the CLI command."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from component.manifest import build_manifest
from component.registry import Registry
from component.web import forms
from tests.web.conftest import Web, csrf_of

pytestmark = pytest.mark.anyio
RESULT = re.compile(r'<pre id="result"[^>]*>(.*?)</pre>', re.S)


def result_json(html: str) -> object:
    import html as html_lib

    found = RESULT.search(html)
    assert found is not None
    return json.loads(html_lib.unescape(found.group(1)))


async def test_every_action_has_a_form_built_from_its_manifest_entry(
    signed_in: Web, registry: Registry
) -> None:
    manifest = build_manifest(registry)
    for entry in manifest["actions"]:
        page = await signed_in.client.get(f"/playground/{entry['key']}")
        assert page.status_code == 200, entry["key"]
        for spec in entry["inputs"]:
            if spec["type"] == "connection" or spec["hidden"]:
                continue
            assert f'id="in-{spec["key"]}"' in page.text, (entry["key"], spec["key"])
            assert f'for="in-{spec["key"]}"' in page.text
            if spec["required"]:
                label = re.search(rf'for="in-{spec["key"]}">[^<]*<span class="req"', page.text)
                assert label, (entry["key"], spec["key"])


async def test_an_input_shows_its_label_comments_default_and_example(signed_in: Web) -> None:
    page = (await signed_in.client.get("/playground/listInvoices")).text
    fetch_all = re.search(
        r'<select id="in-fetchAll" name="fetchAll"[^>]*>(.*?)</select>', page, re.S
    )
    assert fetch_all is not None
    assert '<option value="false" selected>' in fetch_all.group(1)  # the manifest default
    assert "Turn on to fetch every page of results." in page
    assert 'placeholder="2026-06-01T00:00:00"' in page  # modifiedAfter's example
    get = (await signed_in.client.get("/playground/getInvoice")).text
    assert "The InvoiceID (a GUID) or the invoice number" in get
    assert 'id="pick-invoiceId"' in get


def test_choices_become_a_select_with_every_choice() -> None:
    entry = {
        "inputs": [
            {
                "key": "status",
                "label": "Status",
                "type": "string",
                "required": True,
                "default": "DRAFT",
                "comments": None,
                "example": None,
                "placeholder": None,
                "choices": [
                    {"label": "Draft", "value": "DRAFT"},
                    {"label": "Approved", "value": "AUTHORISED"},
                ],
                "collection": None,
                "dataSource": None,
                "hidden": False,
            }
        ]
    }
    (field,) = forms.fields(entry)
    assert field.widget == "select"
    assert field.choices == [("DRAFT", "Draft"), ("AUTHORISED", "Approved")]
    assert field.value == "DRAFT"
    assert field.required


async def test_the_index_lists_and_finds_actions(signed_in: Web) -> None:
    everything = (await signed_in.client.get("/playground")).text
    assert 'href="/playground/getInvoice"' in everything
    found = (await signed_in.client.get("/playground?q=void")).text
    assert 'href="/playground/voidInvoice"' in found
    assert 'href="/playground/getInvoice"' not in found


async def test_run_shows_the_json_result_and_the_same_command(connected: Web) -> None:
    response = await connected.form_post(
        "/playground/getInvoice", {"_do": "run", "invoiceId": "INV-0001"}
    )
    assert response.status_code == 200, response.text
    data = result_json(response.text)
    assert isinstance(data, dict)
    assert data["data"]["Invoices"][0]["InvoiceNumber"] == "INV-0001"
    command = re.search(r'<pre id="command"[^>]*><code>(.*?)</code>', response.text, re.S)
    assert command is not None
    import html as html_lib

    assert shlex.split(html_lib.unescape(command.group(1))) == [
        "xero-wa",
        "run",
        "getInvoice",
        "--connection",
        "xero",
        "-i",
        "invoiceId=INV-0001",
    ]


async def test_a_picklist_lists_the_data_source_and_searches_it(connected: Web) -> None:
    page = (await connected.client.get("/playground/getInvoice")).text
    options = re.findall(r'<option value="([^"]+)">INV-\d+', page)
    assert len(options) > 1
    searched = await connected.form_post(
        "/playground/getInvoice",
        {"_do": "search:invoiceId", "_search_invoiceId": "INV-0002"},
    )
    labels = re.findall(r"<option value=\"[^\"]+\">(INV-[^<]+)</option>", searched.text)
    assert labels
    assert all(label.startswith("INV-0002") for label in labels)
    picked = re.search(r'<option value="([^"]+)">INV-0002', searched.text)
    assert picked is not None
    ran = await connected.form_post(
        "/playground/getInvoice",
        {"_do": "run", "invoiceId": "", "_pick_invoiceId": picked.group(1)},
    )
    data = result_json(ran.text)
    assert isinstance(data, dict)
    assert data["data"]["Invoices"][0]["InvoiceNumber"] == "INV-0002"


async def test_bad_input_is_shown_beside_the_field(connected: Web) -> None:
    response = await connected.form_post(
        "/playground/listInvoices", {"_do": "run", "page": "not-a-number"}
    )
    assert response.status_code == 400
    assert re.search(r'id="in-page-error">[^<]+', response.text)
    assert 'aria-describedby="in-page-help in-page-error"' in response.text or (
        'aria-describedby="in-page-error"' in response.text
    )


async def test_a_missing_required_input_is_named(connected: Web) -> None:
    response = await connected.form_post("/playground/getInvoice", {"_do": "run"})
    assert response.status_code == 400
    assert 'id="in-invoiceId-error"' in response.text


async def test_without_a_connection_the_page_says_where_to_connect(signed_in: Web) -> None:
    page = (await signed_in.client.get("/playground/getInvoice")).text
    assert 'href="/connections"' in page
    response = await signed_in.form_post("/playground/getInvoice", {"invoiceId": "INV-0001"})
    assert response.status_code == 424
    assert "xero connection" in response.text


async def test_running_needs_the_csrf_token(connected: Web) -> None:
    response = await connected.client.post(
        "/playground/getInvoice", data={"_do": "run", "invoiceId": "INV-0001"}
    )
    assert response.status_code == 403
    assert 'id="result"' not in response.text


async def test_an_unknown_action_is_a_404_page(signed_in: Web) -> None:
    response = await signed_in.client.get("/playground/noSuchThing")
    assert response.status_code == 404
    assert "There is no action called" in response.text


async def test_junk_in_every_field_never_causes_a_server_error(
    connected: Web, registry: Registry
) -> None:
    page = await connected.client.get("/playground/createInvoice")
    token = csrf_of(page.text)
    junk = {"csrf_token": token, "_do": "run", "org": "\x00' OR 1=1"}
    for spec in build_manifest(registry)["actions"]:
        if spec["key"] != "createInvoice":
            continue
        for item in spec["inputs"]:
            junk[item["key"]] = "{\x00[nope" * 3
    response = await connected.client.post("/playground/createInvoice", data=junk)
    assert response.status_code < 500, response.text


async def test_a_destructive_action_runs_only_when_confirmed(connected: Web) -> None:
    xero = connected.sandbox.state.xero
    org = xero.orgs[xero.demo_tenant_id]
    draft = next(i for i in org.invoices.values() if i.status == "DRAFT")
    page = (await connected.client.get("/playground/deleteInvoice")).text
    assert 'id="safety">destructive<' in page
    assert 'name="_confirm"' in page
    refused = await connected.form_post(
        "/playground/deleteInvoice", {"_do": "run", "invoiceId": draft.invoice_id}
    )
    assert refused.status_code == 400
    assert "tick the confirmation box" in refused.text
    assert draft.status == "DRAFT"
    done = await connected.form_post(
        "/playground/deleteInvoice",
        {"_do": "run", "invoiceId": draft.invoice_id, "_confirm": "yes"},
    )
    assert done.status_code == 200, done.text
    assert draft.status == "DELETED"


async def test_read_actions_need_no_confirmation(signed_in: Web) -> None:
    page = (await signed_in.client.get("/playground/getInvoice")).text
    assert 'id="safety">read<' in page
    assert 'name="_confirm"' not in page
    index = (await signed_in.client.get("/playground")).text
    assert index.count("badge danger") == 10
