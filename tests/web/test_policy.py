"""``/policy``: the policy as a form and as YAML, errors beside fields, preview, save."""

from __future__ import annotations

import re

import pytest

from component.reminders.policy import DEFAULT_POLICY_PATH
from tests.web.conftest import Web, csrf_of

pytestmark = pytest.mark.anyio


def form_of(html: str) -> dict[str, str]:
    """The first (form) editor's fields as a browser would send them."""
    form = html[html.index('<form method="post" action="/policy"') :]
    form = form[: form.index("</form>")]
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        if 'type="checkbox"' in name:
            continue
        data[name] = value
    for name in re.findall(
        r'<input type="checkbox" id="[^"]+" name="([^"]+)" value="yes" checked>', form
    ):
        data[name] = "yes"
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', form, re.S):
        picked = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = picked.group(1) if picked else ""
    for name, body in re.findall(
        r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        data[name] = body
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in data.items()}


async def test_the_form_shows_the_default_policy(connected: Web) -> None:
    page = (await connected.client.get("/policy")).text
    assert 'id="stages-0-key" name="stages-0-key" value="due_soon"' in page
    assert 'id="stages-4-days" name="stages-4-days" value="30"' in page
    assert 'id="quietHours-start" name="quietHours-start" type="time" value="20:00"' in page
    assert 'id="day-sat" name="businessDays" value="sat">' in page  # not checked
    assert "payment_reminder_multi" in page
    assert DEFAULT_POLICY_PATH.read_text(encoding="utf-8").splitlines()[0][:20] in page


async def test_a_bad_stage_is_shown_beside_its_field_and_nothing_is_previewed(
    connected: Web,
) -> None:
    page = (await connected.client.get("/policy")).text
    data = form_of(page)
    data.update({"stages-1-days": "soon", "_do": "preview-form", "csrf_token": csrf_of(page)})
    response = await connected.client.post("/policy", data=data)
    assert response.status_code == 400
    assert re.search(r'id="stages-1-days-error">[^<]*integer', response.text)
    assert 'id="preview"' not in response.text


async def test_yaml_errors_name_the_line(connected: Web) -> None:
    response = await connected.form_post(
        "/policy",
        {"_do": "preview-yaml", "yaml": "version: 1\nstages: []\nquietHour: 1\n"},
        page="/policy",
    )
    assert response.status_code == 400
    assert re.search(r"line 2: stages: ", response.text)
    assert re.search(r"line 3: quietHour: ", response.text)


async def sandbox_messages(web: Web) -> list[dict[str, object]]:
    import httpx

    async with httpx.AsyncClient(
        transport=web.sandbox.transport, base_url="http://sandbox.invalid"
    ) as c:
        rows: list[dict[str, object]] = (await c.get("/_sandbox/whatsapp/messages")).json()[
            "messages"
        ]
    return rows


async def test_preview_lists_each_contacts_message_and_sends_nothing(connected: Web) -> None:
    page = (await connected.client.get("/policy")).text
    data: dict[str, object] = dict(form_of(page))
    data.update(
        {
            "_do": "preview-form",
            "csrf_token": csrf_of(page),
            "quietHours-start": "",  # any hour and any day, so the preview does not depend on now
            "quietHours-end": "",
            "businessDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        }
    )
    response = await connected.client.post("/policy", data=data)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert 'id="preview"' in response.text
    assert re.search(r"\d+ messages would be sent", response.text)
    assert response.text.count('<pre class="message">') >= 1
    assert await sandbox_messages(connected) == []


async def test_save_stores_the_organisations_own_copy(connected: Web) -> None:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace("days: 7\n", "days: 8\n", 1)
    saved = await connected.form_post("/policy", {"_do": "save-yaml", "yaml": text}, page="/policy")
    assert saved.status_code == 200, saved.text
    assert "uses this policy from its next run" in saved.text
    tenant = connected.sandbox.state.xero.demo_tenant_id
    row = connected.runtime.store.organisations.get(tenant)
    assert row is not None
    assert (row.policy_source, row.policy_yaml) == ("stored", text)
    page = (await connected.client.get("/policy")).text
    assert 'id="stages-2-days" name="stages-2-days" value="8"' in page


async def test_an_invalid_policy_is_never_saved(connected: Web) -> None:
    response = await connected.form_post(
        "/policy", {"_do": "save-yaml", "yaml": "stages: nope"}, page="/policy"
    )
    assert response.status_code == 400
    tenant = connected.sandbox.state.xero.demo_tenant_id
    row = connected.runtime.store.organisations.get(tenant)
    assert row is not None
    assert row.policy_source != "stored"


async def test_a_policy_the_schedule_cannot_run_under_is_refused(connected: Web) -> None:
    text = (
        DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
        .replace('start: "20:00"', 'start: "08:00"')
        .replace('end: "09:00"', 'end: "12:00"')
    )  # the reminders go out at 10:00, inside these quiet hours
    response = await connected.form_post(
        "/policy", {"_do": "save-yaml", "yaml": text}, page="/policy"
    )
    assert response.status_code == 400
    assert "the reminder schedule refuses it" in response.text
    assert 'id="yaml"' in response.text  # still on the editor, with the text kept
    tenant = connected.sandbox.state.xero.demo_tenant_id
    row = connected.runtime.store.organisations.get(tenant)
    assert row is not None
    assert row.policy_source != "stored"


def test_the_form_leaves_what_the_template_declares_to_the_template() -> None:
    from starlette.datastructures import FormData

    from component.web import policy_form

    base = policy_form.load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    shown = policy_form.to_form(base)
    fields = {}
    for i, row in enumerate(shown.stages):
        fields.update(
            {
                f"stages-{i}-key": row.key,
                f"stages-{i}-days": row.days,
                f"stages-{i}-template": row.template,
                f"stages-{i}-language": row.language,
                f"stages-{i}-button": row.button,
                f"stages-{i}-header": row.header,
            }
        )
    data = policy_form.from_form(FormData(fields), base)
    assert [s.get("button") for s in data["stages"]] == [s.get("button") for s in base["stages"]]
    assert [s.get("header") for s in data["stages"]] == [s.get("header") for s in base["stages"]]
    assert data["stages"] == base["stages"]


async def test_outside_business_days_the_preview_still_shows_each_exact_message(
    connected: Web,
) -> None:
    """The clock says Tuesday; a policy that sends on Mondays only sends nothing now, but the
    preview shows what the first Monday run would send, as the customers would read it."""
    page = (await connected.client.get("/policy")).text
    data: dict[str, object] = dict(form_of(page))
    data.update(
        {
            "_do": "preview-form",
            "csrf_token": csrf_of(page),
            "quietHours-start": "",
            "quietHours-end": "",
            "businessDays": ["mon"],
        }
    )
    response = await connected.client.post("/policy", data=data)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    closed = re.search(r'<p class="notice" id="preview-closed">(.*?)</p>', response.text)
    assert closed is not None
    assert "is not a business day" in closed.group(1)
    held = int(re.search(r"would send (\d+) message", closed.group(1)).group(1))  # type: ignore[union-attr]
    assert held > 0
    assert "0 messages would be sent" in response.text
    texts = re.findall(r'<pre class="message">(.*?)</pre>', response.text, re.S)
    assert len(texts) == held
    for text in texts:
        assert "(template " not in text  # the template's words, not a list of parameters
        assert re.search(r"INV-\d+", text)
    assert response.text.count("when sending opens") == held
    assert await sandbox_messages(connected) == []
