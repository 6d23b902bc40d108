"""The policy's templates checked against what the reminder job can say, and kept truthful.

A stage (or the combined message) names a template; its header, button and parameter list come
from the template's declaration (``component.notify.templates``) unless the policy gives them for
a template of the user's own. Parameter names are the vocabulary of
``component.notify.parameters``, limited to what the job knows about an invoice.

A combined message may cover invoices at different stages. When the ladder has stages before
(or on) the due date and after it, one message can cover an overdue invoice and one that is not
due yet, so it must say which is which (``invoice_summary``, or ``overdue_count`` with
``due_soon_count``): "you have 2 overdue invoices" is false when one is due tomorrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from component.notify.parameters import PARAMETERS, REMINDER_PARAMETERS, SEVERAL, TRUTHFUL_MIX
from component.notify.template_needs import need
from component.notify.templates import shipped
from component.whatsapp.template_check import Requirement

if TYPE_CHECKING:
    from component.reminders.policy import Policy


def declared(model: Any, *, several: bool) -> None:
    """Fill a stage's (or the combined message's) unset fields from its template's declaration."""
    template = shipped(model.template)
    if model.parameters is None:
        if template is None:
            raise ValueError(
                f"template {model.template!r} is not one the product ships "
                "(component/notify/templates.py): list its parameters"
            )
        _set(model, "parameters", list(template.parameters))
    _check_names(model.parameters, several=several)
    if model.named_parameters is None:
        _set(model, "named_parameters", template.named if template else False)
    if model.button is None:
        _set(model, "button", "payLink" if template and template.pay_link_button else "none")
    if model.header is None:
        _set(model, "header", "pdf" if template and template.header == "DOCUMENT" else "none")
    if several and model.header != "none":
        raise ValueError(f"template {model.template!r} has a PDF header: one PDF per invoice")


def requirements(policy: Policy) -> list[Requirement]:
    """The templates the policy sends (each stage's, the combined message's), as declared."""
    models: list[tuple[str, Any]] = [(f"policy stage {s.key}", s) for s in policy.stages]
    models.append(("policy combined message", policy.combined))
    return [
        need(
            model.template,
            model.language,
            used_by,
            parameters=model.parameters,
            named=model.named_parameters,
            pdf=model.header == "pdf",
            pay_link=model.button == "payLink",
        )
        for used_by, model in models
    ]


def truthful_combined(policy: Policy) -> None:
    """The combined message must be true for every mix of invoices the ladder can produce."""
    combined = policy.combined
    names = set(combined.parameters or ())
    mixes = any(s.days <= 0 for s in policy.stages) and any(s.days > 0 for s in policy.stages)
    if mixes and not any(needed <= names for needed in TRUTHFUL_MIX):
        raise ValueError(
            "combined.parameters: one message may cover overdue invoices and invoices not due "
            "yet (the ladder has stages before and after the due date); add invoice_summary "
            "(or overdue_count and due_soon_count) so it is true for each"
        )
    if policy.pay_links.when_missing == "combined" and combined.button == "payLink":
        raise ValueError(
            "payLinks.whenMissing: combined sends the combined template instead, whose button "
            "needs a pay link too; use whenMissing: skip, or a combined template without a button"
        )


def _check_names(names: list[str], *, several: bool) -> None:
    unknown = [n for n in names if n not in PARAMETERS]
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(PARAMETERS))}"
        )
    if not several:
        wrong = [n for n in names if n in SEVERAL]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} only make sense in the combined template")
    missing = [n for n in names if n not in REMINDER_PARAMETERS]
    if missing:
        raise ValueError(
            f"reminders cannot fill {', '.join(missing)}: the job knows each invoice's number, "
            "due date and amount due"
        )


def _set(model: Any, name: str, value: Any) -> None:
    object.__setattr__(model, name, value)  # the models are frozen once validated
