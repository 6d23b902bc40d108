"""From what a job sends to what the WhatsApp account must hold, and how to create it.

Each job declares the templates it sends, where it already decides them (the reminder policy's
stages, the alert settings, the run summary, the reply answers): :func:`need` turns one such
declaration into a :class:`~component.whatsapp.template_check.Requirement`, taking parameter
types and quick replies from the catalogue (``component.notify.templates``) when the template is
a shipped one. :func:`definition` is the other direction: the body of ``POST
/{waba-id}/message_templates`` that creates a shipped template in one language, with Meta's
examples, for ``xero-wa templates submit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from component.notify.parameters import KINDS
from component.notify.templates import Template, example, shipped
from component.whatsapp.template_check import Requirement

#: An example suffix of the "View and pay" button's URL (Meta asks for one).
EXAMPLE_SUFFIX = "iNv0142aBcD"


def need(
    name: str,
    language: str,
    used_by: str,
    *,
    parameters: Sequence[str] | None = None,
    named: bool | None = None,
    pdf: bool | None = None,
    pay_link: bool | None = None,
) -> Requirement:
    """What sending ``name`` in ``language`` needs; unset details come from the catalogue."""
    template = shipped(name)
    names = tuple(
        parameters if parameters is not None else (template.parameters if template else ())
    )
    return Requirement(
        name=name,
        language=language,
        used_by=(used_by,),
        parameters=names,
        kinds=tuple(KINDS.get(p, "text") for p in names),
        named=named if named is not None else bool(template and template.named),
        document_header=pdf
        if pdf is not None
        else bool(template and template.header == "DOCUMENT"),
        url_button=pay_link
        if pay_link is not None
        else bool(template and template.pay_link_button),
        quick_replies=len(template.wording(language).quick_replies) if template else 0,
    )


def definition(template: Template, language: str, pay_link_base: str) -> dict[str, Any]:
    """The create request of ``template`` in ``language`` (Meta's template JSON, with the
    examples review needs: body values and the URL button's example)."""
    words = template.wording(language)
    components: list[dict[str, Any]] = []
    if template.header == "DOCUMENT":
        components.append({"type": "HEADER", "format": "DOCUMENT"})
    body: dict[str, Any] = {"type": "BODY", "text": words.body}
    values = [template.examples.get(p) or example(p) for p in template.parameters]
    if template.named:
        body["example"] = {
            "body_text_named_params": [
                {"param_name": p, "example": v}
                for p, v in zip(template.parameters, values, strict=True)
            ]
        }
    elif values:
        body["example"] = {"body_text": [values]}
    components.append(body)
    if words.footer:
        components.append({"type": "FOOTER", "text": words.footer})
    buttons: list[dict[str, Any]] = []
    if words.button:
        base = pay_link_base if pay_link_base.endswith("/") else f"{pay_link_base}/"
        buttons.append(
            {
                "type": "URL",
                "text": words.button,
                "url": f"{base}{{{{1}}}}",
                "example": [f"{base}{EXAMPLE_SUFFIX}"],
            }
        )
    buttons += [{"type": "QUICK_REPLY", "text": text} for text in words.quick_replies]
    if buttons:
        components.append({"type": "BUTTONS", "buttons": buttons})
    return {
        "name": template.name,
        "language": language,
        "category": template.category,
        "parameter_format": "NAMED" if template.named else "POSITIONAL",
        "components": components,
    }
