"""Configuration: environment variables (and an optional ``.env``), read once.

Field names are the environment variable names in lower case, so ``XERO_API_URL`` is
``settings.xero_api_url``: one name everywhere. CLI flags override by building a copy with
``settings.model_copy(update=...)``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Host used for the in-process sandbox. ``.invalid`` can never resolve, so a request that
#: escapes the in-process transport fails loudly instead of reaching a real service.
SANDBOX_BASE = "http://sandbox.invalid"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Where state lives (SQLite store, 0600).
    xero_wa_home: Path = Path(".xero-wa")
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
