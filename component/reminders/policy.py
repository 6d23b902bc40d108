"""The reminder policy (``reminders.yaml``) as a pydantic model, loaded with file:line errors.

The policy is the one place a user decides who gets which reminder and when; the runner only
obeys it. It is strict (``extra="forbid"``): a misspelt ``quietHour`` must be an error naming the
file and line, not a rule silently switched off. The documented default ships beside this module
(``default_reminders.yaml``) and is used when no file is given.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import phonenumbers
from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from component import bounded_yaml, errors
from component.bounded_yaml import line_for
from component.reminders.templates import declared, truthful_combined

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_reminders.yaml")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
StageKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
TemplateName = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,512}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        frozen=True,
    )


class Stage(_Model):
    """One rung of the ladder: reached ``days`` after the due date (negative: before it).

    ``header``, ``button``, ``parameters`` and ``namedParameters`` default to the template's
    declaration (``component/notify/templates.py``); give them only for a template of your own.
    """

    key: StageKey
    days: int = Field(ge=-60, le=3650)
    template: TemplateName
    language: Language = "en"
    header: Literal["none", "pdf"] | None = None
    button: Literal["none", "payLink"] | None = None
    parameters: list[str] | None = None
    named_parameters: bool | None = None

    @model_validator(mode="after")
    def _from_template(self) -> Stage:
        declared(self, several=False)
        return self


class Combined(_Model):
    """The template for one message covering several invoices of a contact (same defaults)."""

    template: TemplateName = "payment_reminder_multi"
    language: Language = "en"
    header: Literal["none"] | None = None
    button: Literal["none", "payLink"] | None = None
    parameters: list[str] | None = None
    named_parameters: bool | None = None

    @model_validator(mode="after")
    def _from_template(self) -> Combined:
        declared(self, several=True)
        names = set(self.parameters or ())
        if not names & {"invoice_numbers", "invoice_summary"}:
            raise ValueError(
                "the combined message must list the invoice numbers: add invoice_numbers or "
                "invoice_summary to its parameters"
            )
        return self


class MinimumAmount(_Model):
    default: Decimal = Field(default=Decimal("0"), ge=0)
    by_currency: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Decimal] = Field(
        default_factory=dict
    )

    def for_currency(self, currency: str) -> Decimal:
        return self.by_currency.get(currency.upper(), self.default)


class QuietHours(_Model):
    """From ``start`` to ``end`` (organisation time) nothing is sent; may span midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class OptOut(_Model):
    contact_group: str | None = None
    replies: bool = True


class PayLinks(_Model):
    enabled: bool = True
    when_missing: Literal["combined", "skip"] = "skip"

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("buttonBase" in data or "button_base" in data):
            raise ValueError(
                "buttonBase moved to the XERO_WA_PAY_LINK_BASE setting (one base for every "
                "template's button, reminders and alerts alike): remove it from the policy"
            )
        return data


class XeroBudget(_Model):
    reserve_calls: int = Field(default=1000, ge=0)
    max_optional_calls_per_run: int | None = Field(default=None, ge=0)
    #: Optional calls (pay links, PDFs, History notes, e-mail fallbacks) of one organisation in
    #: one UTC day: at most this share of the day's budget (XERO_DAILY_CALL_BUDGET).
    optional_share: float = Field(default=0.2, gt=0, le=1)


class Toggle(_Model):
    enabled: bool = True


class Replies(_Model):
    """What a customer's reply does (``component.replies``): any message pauses that contact's
    reminders for ``pauseDays``; "Need more time" asks for a date within ``promiseMaxDays`` and
    pauses until that date plus ``promiseGraceDays``; answers and the owner's message use
    ``language`` (a shipped template language: en, en_US or hi)."""

    pause_days: int = Field(default=7, ge=1, le=90)
    promise_max_days: int = Field(default=30, ge=1, le=180)
    promise_grace_days: int = Field(default=2, ge=0, le=30)
    forward_to_owner: bool = True
    language: Language = "en"


class Phones(_Model):
    default_region: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        """A region phonenumbers knows, checked where it is written (not at send time)."""
        if value is not None and value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region code such as IN, AU or GB")
        return value


class Policy(_Model):
    version: Literal[1] = 1
    stages: list[Stage] = Field(min_length=1)
    combined: Combined = Field(default_factory=Combined)
    minimum_amount: MinimumAmount = Field(default_factory=MinimumAmount)
    stop_after_days: int | None = Field(default=None, ge=1)
    quiet_hours: QuietHours | None = None
    business_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    holidays: list[date] = Field(default_factory=list)
    opt_out: OptOut = Field(default_factory=OptOut)
    pay_links: PayLinks = Field(default_factory=PayLinks)
    xero_budget: XeroBudget = Field(default_factory=XeroBudget)
    history_notes: Toggle = Field(default_factory=lambda: Toggle(enabled=False))
    email_fallback: Toggle = Field(default_factory=lambda: Toggle(enabled=False))
    phones: Phones = Field(default_factory=Phones)
    replies: Replies = Field(default_factory=Replies)
    locale: str | None = None

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str | None) -> str | None:
        """A CLDR locale babel can format with (``en_IN``, ``hi-IN``, ``de``), written ``en_IN``."""
        if value is None:
            return None
        try:
            return str(Locale.parse(value.strip().replace("-", "_")))
        except (UnknownLocaleError, ValueError, TypeError):
            raise ValueError(
                f"unknown locale {value!r}: use a language and country such as en_IN, hi_IN or de_DE"
            ) from None

    @model_validator(mode="after")
    def _ladder(self) -> Policy:
        truthful_combined(self)
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError(f"stage keys must be unique, got {keys}")
        days = [s.days for s in self.stages]
        if len(set(days)) != len(days):
            raise ValueError(f"two stages cannot start on the same day, got days {days}")
        object.__setattr__(self, "stages", sorted(self.stages, key=lambda s: s.days))
        return self

    @property
    def earliest_days(self) -> int:
        """The earliest stage's day offset (negative when reminding before the due date)."""
        return self.stages[0].days

    def is_business_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.business_days and day not in self.holidays


def load_policy(path: Path | None = None) -> Policy:
    """The policy in ``path`` (default: the shipped one); InputError naming file:line on error."""
    path = path or DEFAULT_POLICY_PATH
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.InputError.single("--policy", f"cannot read {shown}: {exc}") from None
    return parse_policy(text, shown)


def parse_policy(text: str, shown: str = "reminders.yaml") -> Policy:
    """Parse policy YAML; every problem is reported as ``file:line: field: reason``.

    Any text is safe here (``component.bounded_yaml`` limits size, depth and alias expansion),
    but parsing takes milliseconds: async callers run it in a worker thread.
    """
    try:
        document = bounded_yaml.load(text)
    except bounded_yaml.YamlProblem as exc:
        where = f"{shown}:{exc.line}" if exc.line else shown
        raise errors.InputError.single(where, exc.reason, context="reminder policy") from None
    data, lines = document.data, document.lines
    if not isinstance(data, dict):
        raise errors.InputError.single(f"{shown}:1", "expected a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise _problems(exc, shown, lines) from None


def _problems(
    exc: ValidationError, shown: str, lines: dict[tuple[str | int, ...], int]
) -> errors.InputError:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = line_for(lines, loc) or 1
        field = ".".join(str(p) for p in loc) or "(top level)"
        problems.append(errors.FieldProblem(f"{shown}:{line}: {field}", err["msg"]))
    return errors.InputError(problems, context="reminder policy")
