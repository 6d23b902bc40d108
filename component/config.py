"""Configuration: one settings object, from environment variables and an optional ``.env``.

Every command and the HTTP service read this one object (``get_settings``), so a variable in
``.env`` works for ``connect`` exactly as for ``serve``. Field names are the environment variable
names in lower case, so ``XERO_API_URL`` is ``settings.xero_api_url``: one name everywhere. CLI
flags override by building a copy with ``settings.model_copy(update=...)``. A value that cannot
be used is a ``ConfigError`` naming the variable and where it was set (the environment, or the
``.env`` file and line), never a traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from component.data_home import default_home

#: Host used for the in-process sandbox. ``.invalid`` can never resolve, so a request that
#: escapes the in-process transport fails loudly instead of reaching a real service.
SANDBOX_BASE = "http://sandbox.invalid"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Where state lives (SQLite store, 0600): the per-user data folder unless set (never the
    # working directory: see component/storage/home.py).
    xero_wa_home: Path = Field(default_factory=default_home)
    # postgresql://… selects the PostgreSQL backend instead of the SQLite file in the data home.
    xero_wa_database_url: SecretStr | None = None
    # Fernet key (or passphrase) for token columns; without it tokens are stored in plain text.
    xero_wa_secret_key: SecretStr | None = None
    # Inline connection value (JSON) used when --connection/--connection-value are absent.
    xero_wa_connection_value: SecretStr | None = None
    # Comma-separated API keys accepted by the JSON service.
    xero_wa_api_keys: SecretStr | None = None
    xero_wa_log_level: str = "INFO"
    #: The Xero organisation (name or id) MCP tools act on when a call names none.
    xero_wa_mcp_tenant: str | None = None

    # Base URLs: the same code targets Xero/Meta, the sandbox or a mock by changing these.
    xero_api_url: str = "https://api.xero.com/api.xro/2.0"
    xero_identity_url: str = "https://identity.xero.com"
    xero_login_url: str = "https://login.xero.com"
    xero_connections_url: str = "https://api.xero.com/connections"
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"

    # HTTP behaviour.
    http_timeout_seconds: float = Field(default=30.0, gt=0)
    token_refresh_margin_seconds: float = Field(default=60.0, ge=0)

    # Xero limits (per tenant); the daily budget is configurable because plans differ.
    xero_daily_call_budget: int = Field(default=5000, gt=0)
    xero_minute_call_limit: int = Field(default=60, gt=0)
    xero_concurrent_limit: int = Field(default=5, gt=0)
    # Xero's limit per app: every tenant's calls together (shared through the store).
    xero_app_minute_call_limit: int = Field(default=10_000, gt=0)
    # Retries of a Xero call after a 5xx or network failure (jittered exponential backoff).
    xero_max_retries: int = Field(default=3, ge=0)
    xero_retry_base_delay_seconds: float = Field(default=0.5, ge=0)

    # WhatsApp pacing.
    whatsapp_messages_per_second: float = Field(default=80.0, gt=0)
    whatsapp_pair_interval_seconds: float = Field(default=6.0, ge=0)

    # Phone numbers: region used when a number has no country code and the org has none.
    default_phone_region: str | None = None

    # Notifications (component.notify): the fixed part of the approved templates' "View and pay"
    # URL button (the rest of Xero's online invoice URL is the button's suffix), and the inbound
    # WhatsApp words (comma-separated; case, spaces and punctuation ignored) that opt a customer
    # out of every message and back in.
    xero_wa_pay_link_base: str = "https://in.xero.com/"
    xero_wa_stop_words: str = "STOP,STOP ALL,UNSUBSCRIBE,CANCEL,END,QUIT,OPT OUT"
    xero_wa_start_words: str = "START,UNSTOP"

    # Web app: idle lifetime of a sign-in, and failed sign-ins allowed per username (and 4x that
    # per address) in each window before further attempts are refused until the window ends.
    xero_wa_session_hours: float = Field(default=12.0, gt=0)
    xero_wa_login_max_failures: int = Field(default=5, ge=1)
    xero_wa_login_window_minutes: float = Field(default=15.0, gt=0)

    # Where the Xero + WhatsApp sandbox served by `xero-wa sandbox serve` answers (its commands).
    xero_wa_sandbox_url: str | None = None
    # `xero-wa serve`: the address to listen on (flags override).
    xero_wa_host: str = "127.0.0.1"
    xero_wa_port: int = Field(default=8000, ge=0, le=65535)
    # Specs (read from the environment by component.spec.loader, before settings exist):
    # XERO_WA_SPEC_ROOT replaces the bundled tree; XERO_WA_SPEC_PATH adds folders on top of it
    # (os.pathsep-separated; a later folder's spec replaces one with the same key).
    xero_wa_spec_root: str | None = None
    xero_wa_spec_path: str | None = None
    # The longest a Xero call waits out rate limits (429s with Retry-After) in total, then fails.
    xero_rate_limit_max_wait_seconds: float = Field(default=180.0, ge=0)

    # `xero-wa connect`: the Xero app and the WhatsApp number (flags override; secrets never
    # come from flags). The service's browser OAuth routes read the same Xero app credentials.
    xero_client_id: str | None = None
    xero_client_secret: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_business_account_id: str | None = None

    # ---- The HTTP service, its worker and scheduler (component.service) ----
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

    # OAuth from a browser: the public base URL of this service (for the redirect URI).
    xero_wa_public_url: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' sources in its order, less a ``.env`` that sets nothing (absent,
        as usual, or empty): it would add no value, yet reading every field through it was a
        third of the time it takes to read the settings, on every command."""
        if not getattr(dotenv_settings, "env_vars", None):
            return init_settings, env_settings, file_secret_settings
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator(
        "xero_api_url",
        "xero_identity_url",
        "xero_login_url",
        "xero_connections_url",
        "whatsapp_api_url",
    )
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("xero_wa_home")
    @classmethod
    def _home_is_a_folder(cls, value: Path) -> Path:
        """A data home that cannot be a folder is a configuration error, named at once."""
        if not str(value).strip():
            raise ValueError("is empty; set it to a folder, or unset it for the default")
        try:
            is_file = value.exists() and not value.is_dir()
        except OSError as exc:
            raise ValueError(f"{value} cannot be checked ({exc.strerror})") from None
        if is_file:
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @property
    def xero_token_url(self) -> str:
        return f"{self.xero_identity_url}/connect/token"

    @property
    def xero_revocation_url(self) -> str:
        return f"{self.xero_identity_url}/connect/revocation"

    @property
    def xero_authorize_url(self) -> str:
        return f"{self.xero_login_url}/identity/connect/authorize"

    @property
    def whatsapp_base(self) -> str:
        return f"{self.whatsapp_api_url}/{self.whatsapp_api_version}"

    @property
    def store_path(self) -> Path:
        return self.xero_wa_home / "state.db"

    @property
    def store_location(self) -> str:
        """Where the store is, for messages: the SQLite file, or the PostgreSQL URL with its
        password masked (``XERO_WA_DATABASE_URL`` replaces the file when set)."""
        url = self.xero_wa_database_url.get_secret_value() if self.xero_wa_database_url else ""
        if url:
            from component.storage.database_url import mask_url

            return mask_url(url)
        return str(self.store_path)

    def api_keys(self) -> list[str]:
        raw = self.xero_wa_api_keys.get_secret_value() if self.xero_wa_api_keys else ""
        return [k.strip() for k in raw.split(",") if k.strip()]

    def for_sandbox(self, base: str = SANDBOX_BASE) -> Settings:
        """A copy whose every service URL points at the sandbox served at ``base``."""
        base = base.rstrip("/")
        return self.model_copy(
            update={
                "xero_api_url": f"{base}/api.xro/2.0",
                "xero_identity_url": base,
                "xero_login_url": base,
                "xero_connections_url": f"{base}/connections",
                "whatsapp_api_url": base,
            }
        )


#: The dotenv file read beside the environment (relative to the working directory).
ENV_FILE = Path(".env")


def load_settings() -> Settings:
    """Read the environment and ``.env``; raises ``ConfigError`` naming every bad variable."""
    try:
        return Settings(_env_file=ENV_FILE)
    except ValidationError as exc:
        from component.config_problems import config_error

        raise config_error(exc, Settings, env_file=ENV_FILE) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return load_settings()
