"""Settings of the HTTP service and its worker, read from the environment like ``Settings``.

Field names are the environment variable names in lower case (``XERO_WEBHOOK_KEY`` is
``xero_webhook_key``). Secrets are ``SecretStr``: they print as ``**********`` and never reach a
log line. The WhatsApp app secret, verify token and webhook signature scheme may instead come from the
stored WhatsApp connection (``appSecret``, ``verifyToken``, ``webhookSignature``,
``webhookHeader``), so ``xero-wa connect whatsapp`` is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from component.runtime import Runtime


class ServiceConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Webhook secrets.
    xero_webhook_key: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # How WhatsApp deliveries are proven (component.whatsapp.signature): meta (default),
    # hmac-sha256 or header-secret, with the header of the last two (a provider profile).
    whatsapp_webhook_signature: str | None = None
    whatsapp_webhook_header: str | None = None

    # Which stored connections the worker uses (default: the only one of each family).
    xero_wa_xero_connection: str | None = None
    xero_wa_whatsapp_connection: str | None = None

    # Alerts: WhatsApp template names and language, as approved in WhatsApp Manager.
    xero_wa_invoice_alerts: bool = True
    xero_wa_invoice_template: str = "invoice_new"
    xero_wa_payment_alerts: bool = False
    xero_wa_payment_template: str = "payment_received"
    xero_wa_template_language: str = "en"
    # For a template of your own: its body parameters in order (names from
    # component.notify.parameters), whether it uses named parameters, and whether it has a
    # "View and pay" URL button (its suffix: Xero's online invoice URL after
    # XERO_WA_PAY_LINK_BASE). Unset: the shipped template's declaration (component.notify.templates).
    xero_wa_invoice_template_params: str | None = None
    xero_wa_invoice_template_named: bool | None = None
    xero_wa_invoice_template_button: bool | None = None
    xero_wa_payment_template_params: str | None = None
    xero_wa_payment_template_named: bool | None = None
    xero_wa_payment_template_button: bool | None = None
    # Locale of amounts and dates in messages (default: English as written in the org's country).
    xero_wa_message_locale: str | None = None

    # Requests: the largest accepted webhook or API body.
    xero_wa_max_body_bytes: int = Field(default=1_048_576, gt=0)

    # Worker.
    xero_wa_worker: bool = True
    xero_wa_worker_max_attempts: int = Field(default=6, ge=1)
    xero_wa_worker_backoff_seconds: float = Field(default=30.0, ge=0)
    xero_wa_worker_max_backoff_seconds: float = Field(default=3600.0, ge=0)
    xero_wa_worker_lease_seconds: float = Field(default=120.0, gt=0)
    xero_wa_worker_batch: int = Field(default=20, ge=1)
    xero_wa_worker_idle_seconds: float = Field(default=1.0, gt=0)
    # Catch-up poll with If-Modified-Since; 0 turns it off.
    xero_wa_poll_interval_seconds: float = Field(default=900.0, ge=0)
    # How often each stored Xero connection's tenant list is asked again (tenants Xero no longer
    # lists are marked disconnected); 0 turns it off.
    xero_wa_tenant_refresh_seconds: float = Field(default=3600.0, ge=0)

    # The scheduler (per-organisation jobs: reminders at each organisation's local time).
    xero_wa_scheduler: bool = True
    xero_wa_scheduler_tick_seconds: float = Field(default=30.0, gt=0)
    xero_wa_scheduler_concurrency: int = Field(default=4, ge=1)
    # Polling triggers the scheduler runs for every organisation (comma-separated keys, see
    # `xero-wa poll`; none by default) and how often.
    xero_wa_poll_triggers: str = ""
    xero_wa_poll_trigger_seconds: float = Field(default=900.0, ge=60)
    # Default job switch of organisations that have not chosen (``xero-wa orgs set``).
    xero_wa_reminders: bool = True
    # Run summaries: the owner's WhatsApp number (E.164; per organisation with `orgs set
    # --owner-phone`) and the approved template with five body parameters.
    xero_wa_owner_phone: str | None = None
    xero_wa_summary_template: str = "run_summary"
    xero_wa_summary_language: str = "en"

    # OAuth from a browser: the public base URL of this service (for the redirect URI) and the
    # Xero app's credentials (the same variables `xero-wa connect` reads).
    xero_wa_public_url: str | None = None
    xero_client_id: str | None = None
    xero_client_secret: SecretStr | None = None


@dataclass(frozen=True)
class WebhookSecrets:
    """The resolved secrets; ``""`` means not configured (every signed request is refused).

    With several stored WhatsApp connections (numbers of different Meta apps), each one's app
    secret and verify token is accepted: ``whatsapp_app_secrets`` / ``whatsapp_verify_tokens``.
    """

    xero_webhook_key: str
    whatsapp_app_secret: str
    whatsapp_verify_token: str
    #: How WhatsApp deliveries are proven (``meta`` unless a provider profile says otherwise).
    whatsapp_signature: str = "meta"
    whatsapp_signature_header: str = ""
    whatsapp_app_secrets: tuple[str, ...] = ()
    whatsapp_verify_tokens: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return "WebhookSecrets(***)"


def resolve_secrets(runtime: Runtime, config: ServiceConfig) -> WebhookSecrets:
    """Environment first, then the stored WhatsApp connections' ``appSecret``/``verifyToken``."""
    app_secret = _secret(config.whatsapp_app_secret)
    verify_token = _secret(config.whatsapp_verify_token)
    scheme = (config.whatsapp_webhook_signature or "").strip()
    header = (config.whatsapp_webhook_header or "").strip()
    stored = _whatsapp_values(runtime, config)
    secrets = _distinct([app_secret, *(str(v.get("appSecret") or "") for v in stored)])
    tokens = _distinct([verify_token, *(str(v.get("verifyToken") or "") for v in stored)])
    first = stored[0] if stored else {}
    scheme = scheme or str(first.get("webhookSignature") or "")
    header = header or str(first.get("webhookHeader") or "")
    return WebhookSecrets(
        _secret(config.xero_webhook_key),
        secrets[0] if secrets else "",
        tokens[0] if tokens else "",
        scheme or "meta",
        header,
        tuple(secrets),
        tuple(tokens),
    )


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def _whatsapp_values(runtime: Runtime, config: ServiceConfig) -> list[dict[str, object]]:
    """The configured WhatsApp connection's values, else every stored one's."""
    if not runtime.settings.store_path.exists():
        return []
    from component.oauth.access import cipher

    store = runtime.store
    names = store.connections.names(family="whatsapp")
    if config.xero_wa_whatsapp_connection is not None:
        names = [config.xero_wa_whatsapp_connection]
    found = []
    for name in names:
        record = store.connections.get(name, cipher(runtime))
        if record is not None:
            found.append(dict(record.values))
    return found
