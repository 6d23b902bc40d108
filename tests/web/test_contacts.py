"""``/contacts/{contactId}``: phones as WhatsApp sees them, opt-out toggle, fixing a number."""

from __future__ import annotations

import re

import pytest

from component.sandbox.xero.records import Contact
from tests.web.conftest import Web

pytestmark = pytest.mark.anyio


def demo_contact(web: Web, name: str) -> Contact:
    xero = web.sandbox.state.xero
    org = xero.orgs[xero.demo_tenant_id]
    return next(c for c in org.contacts.values() if c.name == name)


async def test_an_unusable_phone_is_explained_and_fixed_in_xero(connected: Web) -> None:
    contact = demo_contact(connected, "Ishaan Patel")
    path = f"/contacts/{contact.contact_id}"
    page = await connected.client.get(path)
    assert page.status_code == 200
    assert "No number WhatsApp can use" in page.text
    assert "&#39;call office&#39; has no digits" in page.text
    fixed = await connected.form_post(
        f"{path}/phone", {"countryCode": "91", "number": "98200 12345"}, page=path
    )
    assert fixed.status_code == 200, fixed.text
    assert "Xero now has the mobile number +919820012345 for this contact." in fixed.text
    mobile = next(p for p in contact.phones if p.type == "MOBILE")
    assert (mobile.country_code, mobile.number) == ("91", "98200 12345")
    assert re.search(r'id="whatsapp-number">\+919820012345<', fixed.text)


async def test_a_landline_is_refused_before_xero_is_called(connected: Web) -> None:
    contact = demo_contact(connected, "Ishaan Patel")
    path = f"/contacts/{contact.contact_id}"
    before = [(p.type, p.number) for p in contact.phones]
    response = await connected.form_post(
        f"{path}/phone", {"countryCode": "91", "number": "22 2345 6789"}, page=path
    )
    assert response.status_code == 400
    assert 'id="number-error"' in response.text
    assert "WhatsApp could not use it" in response.text
    assert [(p.type, p.number) for p in contact.phones] == before


async def test_missing_fields_are_named(connected: Web) -> None:
    contact = demo_contact(connected, "Ishaan Patel")
    path = f"/contacts/{contact.contact_id}"
    response = await connected.form_post(f"{path}/phone", {"countryCode": "x"}, page=path)
    assert response.status_code == 400
    assert 'id="countryCode-error"' in response.text
    assert 'id="number-error"' in response.text


async def test_opt_out_toggle(connected: Web) -> None:
    contact = demo_contact(connected, "Mehta Traders")
    path = f"/contacts/{contact.contact_id}"
    tenant = connected.sandbox.state.xero.demo_tenant_id
    off = await connected.form_post(
        f"{path}/optout", {"optOut": "yes", "reason": "asked"}, page=path
    )
    assert "This contact gets no more WhatsApp reminders." in off.text
    assert "opted out" in off.text
    store = connected.runtime.store
    assert store.optouts.is_opted_out(tenant, contact.contact_id, None) is not None
    on = await connected.form_post(f"{path}/optout", {"optOut": "no"}, page=path)
    assert "allowed for this contact again" in on.text
    assert store.optouts.is_opted_out(tenant, contact.contact_id, None) is None


async def test_unknown_and_malformed_contacts_are_404(connected: Web) -> None:
    missing = await connected.client.get("/contacts/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    junk = await connected.client.get("/contacts/%3Cscript%3E")
    assert junk.status_code == 404
    assert "<script>" not in junk.text


async def test_contact_changes_need_the_csrf_token(connected: Web) -> None:
    contact = demo_contact(connected, "Ishaan Patel")
    response = await connected.client.post(
        f"/contacts/{contact.contact_id}/phone", data={"countryCode": "91", "number": "9820012345"}
    )
    assert response.status_code == 403
