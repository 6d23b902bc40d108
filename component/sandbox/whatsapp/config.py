"""Configuration of the WhatsApp Cloud API emulator.

Every default is what Meta does (or the closest documented number), so a client tested against the
defaults meets the same behaviour in production; tests tighten or loosen them instead of patching
code. Credentials are published demo values: the sandbox never holds a real secret.

Two choices deserve a note because Meta's behaviour is asynchronous where a naive emulator would be
synchronous:

- ``undeliverable_failure`` (131026, recipient not on WhatsApp) defaults to ``"webhook"``: the Cloud
  API has no "is this number on WhatsApp" check; ``POST /messages`` answers 200 ``accepted`` and the
  failure arrives later as a ``failed`` status carrying error 131026 (Meta's error-code page lists
  131026 among webhook errors; maintainers of the .NET Cloud API SDK confirm "the webhook will
  return an error if the message cannot be delivered to a phone number without WhatsApp",
  gabrieldwight/Whatsapp-Business-Cloud-Api-Net#156).
- ``window_failure`` (131047, free-form message outside the 24-hour window) defaults to
  ``"webhook"`` too: Meta accepts the request and rejects it asynchronously with a ``failed`` status
  (observed in production, e.g. fabrahaingo/joel#314: "Meta accepts synchronously, then rejects
  async via the status webhook"). ``"sync"`` gives the 400 error body instead, for clients that
  want to test that path.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from component.notify.parameters import KINDS
from component.notify.templates import CATALOGUE, Template, example
from component.notify.wording import Wording
from component.sandbox.whatsapp.provider import ProviderEmulation

TemplateStatus = Literal["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"]
HeaderFormat = Literal["NONE", "TEXT", "DOCUMENT", "IMAGE"]
FailureMode = Literal["webhook", "sync"]

_VERSION = re.compile(r"^v\d{1,2}\.\d$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BodyParam(_Model):
    """One body variable. ``kind`` documents the intended parameter type (text, currency,
    date_time) for listings and examples; like Meta, sends are not rejected for using another
    type in the slot, only for a malformed parameter object."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["text", "currency", "date_time"] = "text"
    example: str = "example"


class UrlButton(_Model):
    """A URL button; with ``dynamic_suffix`` the send must supply the ``{{1}}`` suffix."""

    text: str = "View invoice"
    url: str = "https://in.xero.com/{{1}}"
    dynamic_suffix: bool = True
    example_suffix: str = "iNv0142aBcD"

    @model_validator(mode="after")
    def _suffix_placeholder(self) -> UrlButton:
        if self.dynamic_suffix and not self.url.endswith("{{1}}"):
            raise ValueError("a dynamic URL button's url must end with {{1}}")
        return self


class TemplateConfig(_Model):
    """A message template as registered on the WhatsApp Business Account.

    Each language in ``languages`` is a separate translation (Meta lists them as separate
    templates with their own ids). ``named_parameters`` makes it a NAMED template: every body
    parameter must then carry ``parameter_name``.
    """

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    languages: list[str] = Field(default_factory=lambda: ["en", "en_US"], min_length=1)
    status: TemplateStatus = "APPROVED"
    category: Literal["UTILITY", "MARKETING", "AUTHENTICATION"] = "UTILITY"
    header_format: HeaderFormat = "NONE"
    header_text: str | None = None
    body_text: str
    body_params: list[BodyParam] = Field(default_factory=list)
    named_parameters: bool = False
    footer_text: str | None = None
    url_button: UrlButton | None = None
    #: Quick-reply buttons (their texts), after the URL button: indexes 1.. (0.. without one).
    quick_replies: list[str] = Field(default_factory=list, max_length=10)
    rejected_reason: str | None = None

    @property
    def param_count(self) -> int:
        return len(self.body_params)

    @model_validator(mode="after")
    def _placeholders_match(self) -> TemplateConfig:
        found = _PLACEHOLDER.findall(self.body_text)
        if self.named_parameters:
            expected = [p.name for p in self.body_params]
        else:
            expected = [str(i) for i in range(1, len(self.body_params) + 1)]
        if sorted(set(found)) != sorted(expected):
            raise ValueError(
                f"template {self.name}: body_text placeholders {found} do not match {expected}"
            )
        if self.header_format == "TEXT" and not self.header_text:
            raise ValueError(f"template {self.name}: a TEXT header needs header_text")
        return self


class UserConfig(_Model):
    """A WhatsApp user known up front: with ``username`` and ``hides_phone`` they message the
    business without a phone number in the webhook (until the business messages their number)."""

    phone: str = Field(pattern=r"^\+?[1-9]\d{6,14}$")
    name: str = "Customer"
    username: str | None = Field(default=None, pattern=r"^[a-z0-9._]{3,35}$")
    hides_phone: bool = False


class StatusTiming(_Model):
    """When statuses happen after a message is accepted (seconds) and how often it is read."""

    sent_after_seconds: float = Field(default=1.0, ge=0)
    delivered_after_seconds: float = Field(default=3.0, ge=0)
    read_after_seconds: float = Field(default=30.0, ge=0)
    read_probability: float = Field(default=0.7, ge=0, le=1)
    #: Meta delivers some statuses twice; receivers must dedupe on (wamid, status).
    duplicate_probability: float = Field(default=0.0, ge=0, le=1)
    #: A failure (131026, 131047, 131053) is reported this long after acceptance.
    failed_after_seconds: float = Field(default=1.0, ge=0)


class WhatsAppConfig(_Model):
    """The business phone number, its account, its templates, and the emulator's behaviour."""

    access_token: str = "sandbox-whatsapp-access-token"  # noqa: S105 - published demo value
    phone_number_id: str = "106540352242922"
    #: More sending numbers of the same business account (same token and app secret): each
    #: organisation may send from its own number; messages and their webhooks name the sender.
    other_phone_number_ids: list[str] = Field(default_factory=list)
    business_account_id: str = "419561257915477"
    app_secret: str = "sandbox-whatsapp-app-secret"  # noqa: S105 - published demo value
    verify_token: str = "sandbox-whatsapp-verify-token"  # noqa: S105 - published demo value
    #: Graph API versions served; with ``accept_other_versions`` any vNN.N is served too.
    api_versions: list[str] = Field(default_factory=lambda: ["v23.0"], min_length=1)
    accept_other_versions: bool = True
    #: The business number; its country code is what Meta prepends to a ``to`` without ``+``.
    display_phone_number: str = "+91 22 6150 0000"
    verified_name: str = "Demo Company (IN)"

    #: Messages per second per business number (Meta default 80; up to 1,000 when upgraded).
    throughput_per_second: int = Field(default=80, gt=0)
    #: Pair rate: one message per ``pair_interval_seconds`` to one recipient, bursts of
    #: ``pair_burst`` borrowed from future quota (Meta: "about 1 message every 6 seconds").
    pair_interval_seconds: float = Field(default=6.0, ge=0)
    pair_burst: int = Field(default=1, ge=1)

    templates: list[TemplateConfig] = Field(default_factory=lambda: default_templates())

    #: Recipients (digits, no ``+``) that are not on WhatsApp; ``not_on_whatsapp_pattern`` is a
    #: regular expression matched against the digits as well. Invalid numbers (for example a
    #: wrongly prepended country code) are undeliverable when ``invalid_numbers_undeliverable``,
    #: and landlines (rarely on WhatsApp) when ``fixed_lines_undeliverable``.
    not_on_whatsapp: set[str] = Field(default_factory=lambda: {"919999900000"})
    not_on_whatsapp_pattern: str | None = None
    invalid_numbers_undeliverable: bool = True
    fixed_lines_undeliverable: bool = True
    undeliverable_failure: FailureMode = "webhook"
    window_failure: FailureMode = "webhook"
    #: Test numbers only may receive messages (131030) when this list is set (digits, no ``+``).
    allowed_recipients: list[str] | None = None

    #: Users with usernames (any other number is a user with a BSUID and a visible phone).
    users: list[UserConfig] = Field(default_factory=list)

    status_timing: StatusTiming = Field(default_factory=StatusTiming)
    #: Where status and inbound-message webhooks are POSTed; ``None`` records them only.
    webhook_url: str | None = None
    #: Meta retries a webhook for up to 7 days.
    webhook_max_age_seconds: float = Field(default=7 * 86_400, gt=0)
    #: Meta reviews a submitted template within minutes (up to 24 h): PENDING that long.
    template_review_seconds: float = Field(default=60.0, ge=0)
    #: Seeds read/duplicate decisions and generated ids, so runs replay exactly.
    seed: int = 0
    #: The number is reached through a Cloud-API-compatible provider too (its paths, key header
    #: and webhook proof: ``component.sandbox.whatsapp.provider``); ``None``: Meta only.
    provider: ProviderEmulation | None = None

    @model_validator(mode="after")
    def _check(self) -> WhatsAppConfig:
        for version in self.api_versions:
            if not _VERSION.match(version):
                raise ValueError(f"api version {version!r} is not of the form vNN.N")
        if self.not_on_whatsapp_pattern is not None:
            re.compile(self.not_on_whatsapp_pattern)
        return self

    def sends_from(self, phone_number_id: str) -> bool:
        return phone_number_id == self.phone_number_id or phone_number_id in (
            self.other_phone_number_ids
        )

    def template(self, name: str, language: str | None = None) -> TemplateConfig | None:
        return next(
            (
                t
                for t in self.templates
                if t.name == name and (language is None or language in t.languages)
            ),
            None,
        )


def default_templates() -> list[TemplateConfig]:
    """The templates the product sends (``component.notify.templates``), registered and APPROVED
    in each of their languages (English for en and en_US, Hindi for hi), plus one PENDING
    template (sending it provokes 132001)."""
    shipped = [_registered(t, languages) for t in CATALOGUE for languages in _by_wording(t)]
    pending = TemplateConfig(
        name="payment_reminder_v2",
        status="PENDING",
        body_text="Hi {{1}}, a gentle reminder about invoice {{2}}.",
        body_params=[
            BodyParam(name="party_name", example="Priya Textiles"),
            BodyParam(name="invoice_number", example="INV-0142"),
        ],
    )
    return [*shipped, pending]


def _by_wording(template: Template) -> list[list[str]]:
    """The template's languages grouped by wording: ``[["en", "en_US"], ["hi"]]``."""
    groups: dict[Wording, list[str]] = {}
    for language in template.languages:
        groups.setdefault(template.wording(language), []).append(language)
    return list(groups.values())


def _registered(template: Template, languages: list[str]) -> TemplateConfig:
    words = template.wording(languages[0])
    return TemplateConfig(
        name=template.name,
        languages=languages,
        category=template.category,
        header_format=template.header,
        body_text=words.body,
        body_params=[
            BodyParam(name=p, kind=KINDS.get(p, "text"), example=example(p))
            for p in template.parameters
        ],
        named_parameters=template.named,
        footer_text=words.footer,
        url_button=UrlButton(text=words.button) if words.button else None,
        quick_replies=list(words.quick_replies),
    )
