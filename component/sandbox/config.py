"""Everything a sandbox run can be configured with, as one pydantic model.

Defaults are Xero's documented numbers (30-minute tokens, 30-minute refresh grace, 60-day refresh
expiry, 60 calls a minute, 5 in flight, 5,000 a day); tests and benchmarks lower or raise them
instead of patching code. Credentials are demo values printed by ``xero-wa sandbox serve`` and
overridable there, so a client configured for the sandbox never needs a real secret.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_serializer,
)

from component.config import SANDBOX_BASE

if TYPE_CHECKING:
    from component.sandbox.whatsapp import WhatsAppConfig


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class XeroSandboxConfig(_Model):
    """The Xero app registered with the emulated identity service."""

    client_id: str = "SANDBOX-XERO-CLIENT-ID"
    client_secret: str = "sandbox-xero-client-secret"  # noqa: S105 - published demo value
    webhook_key: str = "sandbox-xero-webhook-key"
    #: Where Xero webhooks are POSTed; ``None`` disables them (events are still recorded).
    webhook_url: str | None = None
    #: Allowed redirect URIs; empty accepts any http(s) URI (a developer's localhost callback).
    redirect_uris: list[str] = Field(default_factory=list)
    #: Tenant a client-credentials ("custom connection") token is bound to; ``None`` = the first.
    custom_connection_tenant: str | None = None
    #: ``auto``: the demo user approves every organisation at once (no page); ``page``: the
    #: authorize URL shows a consent page where a person (or a test's browser) signs in as any
    #: user and ticks the organisations to connect, as on Xero's own consent screen.
    consent: Literal["auto", "page"] = "auto"
    access_token_seconds: int = Field(default=1800, gt=0)
    refresh_grace_seconds: int = Field(default=1800, ge=0)
    refresh_token_days: int = Field(default=60, gt=0)
    code_seconds: int = Field(default=300, gt=0)
    #: How long a write's Idempotency-Key is remembered (Xero: "a few minutes", unverified).
    idempotency_seconds: int = Field(default=3600, gt=0)
    #: Xero retries a failed webhook for 24 hours, then disables it.
    webhook_max_age_seconds: int = Field(default=86_400, gt=0)


class LimitsConfig(_Model):
    """Xero's per-tenant and per-app call limits."""

    per_minute: int = Field(default=60, gt=0)
    per_day: int = Field(default=5000, gt=0)
    concurrent: int = Field(default=5, gt=0)
    app_per_minute: int = Field(default=10_000, gt=0)


class FaultsConfig(_Model):
    """Injected failures, drawn from a seeded RNG so a run can be replayed exactly.

    Each rate is a probability per request. ``path_prefixes`` limits which requests are eligible
    (empty = every request except the ``/_sandbox/`` control API, which never fails).
    """

    error_500_rate: float = Field(default=0.0, ge=0, le=1)
    error_503_rate: float = Field(default=0.0, ge=0, le=1)
    slow_rate: float = Field(default=0.0, ge=0, le=1)
    slow_seconds: float = Field(default=10.0, ge=0)
    reset_rate: float = Field(default=0.0, ge=0, le=1)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int = 0
    path_prefixes: list[str] = Field(default_factory=list)


class TenantSpec(_Model):
    """One demo organisation: who it is and how much data to generate for it."""

    name: str
    country: str = "IN"
    base_currency: str = "INR"
    timezone: str = "INDIASTANDARDTIME"
    #: Foreign currencies some invoices use (the "two other currencies").
    other_currencies: list[str] = Field(default_factory=lambda: ["USD", "GBP"])
    tax_rate: float = Field(default=0.18, ge=0, lt=1)
    contacts: int = Field(default=60, ge=0)
    invoices: int = Field(default=240, ge=0)


def _default_tenants() -> list[TenantSpec]:
    return [
        TenantSpec(name="Demo Company (IN)"),
        TenantSpec(
            name="Demo Company (NZ)",
            country="NZ",
            base_currency="NZD",
            timezone="NEWZEALANDSTANDARDTIME",
            other_currencies=["AUD", "USD"],
            tax_rate=0.15,
            contacts=12,
            invoices=30,
        ),
    ]


class DemoConfig(_Model):
    """The seeded demo data: same seed + same ``today`` = the same ids, names and amounts."""

    seed: int = 42
    #: The day due dates are relative to; ``None`` = the sandbox clock's date at seeding time.
    today: date | None = None
    tenants: list[TenantSpec] = Field(default_factory=_default_tenants, min_length=1)


def _whatsapp_config(value: Any) -> WhatsAppConfig:
    """``whatsapp`` as given, validated by WhatsAppConfig: its errors keep their places
    (``whatsapp.templates.0.name``), as when the field was typed WhatsAppConfig."""
    from component.sandbox.whatsapp import WhatsAppConfig

    return value if isinstance(value, WhatsAppConfig) else WhatsAppConfig.model_validate(value)


class SandboxConfig(_Model):
    """The whole sandbox; ``whatsapp`` (the WhatsApp side) is made on first use.

    The WhatsApp models and the message templates behind their defaults are most of this
    configuration's code, and ``xero-wa run --sandbox`` against Xero never reads them: given,
    ``whatsapp`` is validated as a WhatsAppConfig; not given, the default one is made when first
    read (``config.whatsapp``) or dumped. Either way it reads, dumps and fails as a field typed
    WhatsAppConfig did.
    """

    model_config = ConfigDict(serialize_by_alias=True)

    #: Where clients reach the sandbox; used in links it hands out (webhook resourceUrl,
    #: attachment Url). ``sandbox serve`` sets it to ``http://HOST:PORT``.
    base_url: str = SANDBOX_BASE
    xero: XeroSandboxConfig = Field(default_factory=XeroSandboxConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    faults: FaultsConfig = Field(default_factory=FaultsConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    #: ``whatsapp`` as given, or None until the default is made: read ``whatsapp`` instead.
    whatsapp_given: Annotated[Any, PlainValidator(_whatsapp_config)] = Field(
        default=None, alias="whatsapp", repr=False
    )

    @property
    def whatsapp(self) -> WhatsAppConfig:
        """The WhatsApp side: as given, else the default one, made now and kept."""
        if self.whatsapp_given is None:
            from component.sandbox.whatsapp import WhatsAppConfig

            # straight into the instance: making the default does not count as setting it
            self.__dict__["whatsapp_given"] = WhatsAppConfig()
        config: WhatsAppConfig = self.whatsapp_given
        return config

    @whatsapp.setter
    def whatsapp(self, value: WhatsAppConfig) -> None:
        self.whatsapp_given = _whatsapp_config(value)

    @field_serializer("whatsapp_given", mode="wrap")
    def _dump_whatsapp(
        self, _given: Any, handler: SerializerFunctionWrapHandler, _info: SerializationInfo
    ) -> Any:
        return handler(self.whatsapp)

    def __repr_args__(self) -> Any:
        yield from super().__repr_args__()
        yield "whatsapp", self.whatsapp
