"""``templates check`` rules against listings the sandbox produces after real create requests:
templates created through ``POST /{waba-id}/message_templates`` (review, Meta's re-filing as
MARKETING) and listed back, compared with what the default policy sends."""

from __future__ import annotations

from typing import Any

import pytest

from component.clock import FakeClock
from component.notify.template_needs import definition, need
from component.notify.templates import shipped
from component.reminders.policy import load_policy
from component.reminders.templates import requirements
from component.sandbox.whatsapp import WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone
from component.whatsapp.template_check import Finding, Requirement, check

pytestmark = pytest.mark.anyio

WABA = "419561257915477"
URL = f"/v23.0/{WABA}/message_templates"
BASE = "https://in.xero.com/"


def empty_account(clock: FakeClock) -> Standalone:
    return standalone(clock, WhatsAppConfig(templates=[], template_review_seconds=60))


async def create(box: Standalone, body: dict[str, Any]) -> dict[str, Any]:
    async with box.client() as client:
        response = await client.post(URL, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def listing(box: Standalone) -> list[dict[str, Any]]:
    async with box.client() as client:
        rows: list[dict[str, Any]] = (await client.get(URL, params={"limit": 100})).json()["data"]
    return rows


def shipped_definition(name: str, language: str = "en") -> dict[str, Any]:
    template = shipped(name)
    assert template is not None
    return definition(template, language, BASE)


def only(findings: list[Finding], template: str) -> list[str]:
    return [f.problem for f in findings if f.template == template]


async def test_the_shipped_definitions_pass_review_and_then_match_the_policy(
    clock: FakeClock,
) -> None:
    box = empty_account(clock)
    for name in (
        "invoice_new",
        "payment_reminder",
        "payment_reminder_final",
        "payment_reminder_multi",
    ):
        for language in ("en", "hi"):
            answer = await create(box, shipped_definition(name, language))
            assert (answer["status"], answer["category"]) == ("PENDING", "UTILITY")
    policy = requirements(load_policy())

    pending = check(policy, await listing(box))
    clock.advance(60)
    approved = check(policy, await listing(box))

    assert not pending.ok
    assert {f.problem for f in pending.findings} == {"is PENDING: Meta has not approved it yet"}
    assert approved.ok, approved.findings
    assert approved.findings == []
    assert {(r.name, r.language) for r in approved.checked} == {
        ("invoice_new", "en"),
        ("payment_reminder", "en"),
        ("payment_reminder_final", "en"),
        ("payment_reminder_multi", "en"),
    }


async def test_a_template_meta_filed_as_marketing_fails_loudly(clock: FakeClock) -> None:
    box = empty_account(clock)
    promotional = shipped_definition("payment_reminder")
    promotional["components"][0]["text"] += " Pay today and get a special offer on your next order."
    answer = await create(box, promotional)
    clock.advance(60)

    report = check([need("payment_reminder", "en", "policy stage overdue_7")], await listing(box))

    assert answer["category"] == "MARKETING"
    assert not report.ok
    [problem] = only(report.findings, "payment_reminder")
    assert problem.startswith("!!! is filed under MARKETING, not UTILITY")
    assert "several times" in problem


async def test_a_wrong_parameter_count_is_caught(clock: FakeClock) -> None:
    box = empty_account(clock)
    short = shipped_definition("payment_reminder")
    short["components"][0] = {
        "type": "BODY",
        "text": "Hello {{1}}, invoice {{2}} is overdue. Please pay it at your earliest convenience.",
        "example": {"body_text": [["Priya Textiles", "INV-0142"]]},
    }
    await create(box, short)
    clock.advance(60)

    report = check([need("payment_reminder", "en", "policy stage overdue_1")], await listing(box))

    assert only(report.findings, "payment_reminder") == [
        "has 2 body parameter(s) but the send gives 5 "
        "(party_name, invoice_number, amount, due_date, days_overdue)"
    ]
    assert not report.ok


async def test_a_missing_language_names_the_languages_that_exist(clock: FakeClock) -> None:
    box = empty_account(clock)
    await create(box, shipped_definition("payment_reminder", "en"))
    clock.advance(60)

    report = check([need("payment_reminder", "hi", "policy stage overdue_1")], await listing(box))

    assert only(report.findings, "payment_reminder") == [
        "missing language hi (the template exists in en)"
    ]
    assert "templates submit" in report.findings[0].fix


async def test_a_template_nobody_created_is_missing(clock: FakeClock) -> None:
    report = check([need("invoice_new", "en", "new-invoice alert")], [])
    assert only(report.findings, "invoice_new") == ["does not exist on the WhatsApp account"]
    assert report.findings[0].used_by == ("new-invoice alert",)


async def test_a_rejected_template_says_why(clock: FakeClock) -> None:
    box = empty_account(clock)
    await create(
        box,
        {
            "name": "payment_reminder",
            "language": "en",
            "category": "UTILITY",
            "components": [
                {
                    "type": "BODY",
                    "text": "Hi {{1}} {{2}} {{3}} {{4}} {{5}} ok.",
                    "example": {"body_text": [["a", "b", "c", "d", "e"]]},
                }
            ],
        },
    )
    clock.advance(60)
    report = check([need("payment_reminder", "en", "x")], await listing(box))
    assert "is REJECTED (INVALID_FORMAT): it cannot be sent" in only(
        report.findings, "payment_reminder"
    )


def row(body: str, buttons: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    components: list[dict[str, Any]] = [{"type": "BODY", "text": body}]
    if buttons:
        components.append({"type": "BUTTONS", "buttons": buttons})
    return {
        "name": "t",
        "language": "en",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": components,
        **extra,
    }


def requirement(**changes: Any) -> Requirement:
    base: dict[str, Any] = {
        "name": "t",
        "language": "en",
        "used_by": ("test",),
        "parameters": ("party_name", "invoice_number"),
    }
    return Requirement(**{**base, **changes})


URL_BUTTON = {"type": "URL", "text": "View and pay", "url": "https://in.xero.com/{{1}}"}
QUICK = [{"type": "QUICK_REPLY", "text": t} for t in ("Paid already", "Need more time", "Stop")]


@pytest.mark.parametrize(
    ("listed", "wanted", "problem"),
    [
        (
            row(
                "Hi {{party_name}}, invoice {{invoice_number}} is due.",
                [],
                parameter_format="NAMED",
            ),
            requirement(),
            "uses named parameters but the send gives positional ones",
        ),
        (
            row("Hi {{party_name}}, invoice {{number}} is due.", [], parameter_format="NAMED"),
            requirement(named=True),
            "names its parameters number, party_name but the send gives invoice_number, party_name",
        ),
        (
            row("Hi {{1}}, invoice {{2}} is due.", []),
            requirement(url_button=True),
            "has no URL button ending in {{1}}, but the send gives the pay-link suffix",
        ),
        (
            row("Hi {{1}}, invoice {{2}} is due.", [URL_BUTTON]),
            requirement(),
            "has a URL button that needs a suffix, but the send gives none",
        ),
        (
            {
                **row("Hi {{1}}, invoice {{2}} is due.", []),
                "components": [
                    {"type": "HEADER", "format": "DOCUMENT"},
                    {"type": "BODY", "text": "Hi {{1}}, invoice {{2}} is due."},
                ],
            },
            requirement(),
            "has a DOCUMENT header that would be sent empty (Meta has no optional headers)",
        ),
        (
            row("Hi {{1}}, invoice {{2}} is due.", []),
            requirement(document_header=True),
            "has header NONE, but the invoice PDF is sent as a DOCUMENT header",
        ),
    ],
)
def test_structure_rules(listed: dict[str, Any], wanted: Requirement, problem: str) -> None:
    report = check([wanted], [listed])
    assert [f.problem for f in report.findings] == [problem]
    assert not report.ok


def test_missing_quick_replies_are_a_warning_only() -> None:
    listed = row("Hi {{1}}, invoice {{2}} is due.", [URL_BUTTON])
    report = check([requirement(url_button=True, quick_replies=3)], [listed])
    [finding] = report.findings
    assert finding.severity == "warning"
    assert report.ok
    full = check(
        [requirement(url_button=True, quick_replies=3)],
        [row(listed["components"][0]["text"], [URL_BUTTON, *QUICK])],
    )
    assert full.findings == []


def test_uses_of_one_template_are_merged() -> None:
    report = check(
        [requirement(used_by=("stage a",)), requirement(used_by=("stage b",))],
        [row("Hi {{1}}, invoice {{2}} is due.", [])],
    )
    assert [r.used_by for r in report.checked] == [("stage a", "stage b")]


def test_the_readme_documents_every_shipped_text() -> None:
    """The README's template table is what `templates submit` creates, in both languages."""
    from pathlib import Path

    from component.notify.templates import CATALOGUE

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for template in CATALOGUE:
        for language in ("en", "hi"):
            words = template.wording(language)
            assert words.body in readme, (template.name, language)
            for label in words.quick_replies:
                assert label in readme
