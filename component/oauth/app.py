"""The Xero OAuth app a connection uses: client credentials, scopes and endpoint URLs.

``authorizeUrl`` and ``tokenUrl`` are hidden inputs defaulting to Xero's real endpoints. When a
connection leaves them at those defaults, the configured ``XERO_LOGIN_URL`` /
``XERO_IDENTITY_URL`` decide where requests go (so the sandbox and mocks work with the same
stored connection); a value that differs from the default is an explicit choice and wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from component.config import Settings

DEFAULT_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
DEFAULT_TOKEN_URL = "https://identity.xero.com/connect/token"  # noqa: S105 - a URL
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"
AUTHORIZATION_CODE_SCOPES = (
    "offline_access accounting.invoices accounting.payments accounting.contacts "
    "accounting.settings accounting.attachments"
)
CLIENT_CREDENTIALS_SCOPES = (
    "accounting.invoices accounting.payments accounting.contacts accounting.settings "
    "accounting.attachments"
)


@dataclass(frozen=True)
class XeroApp:
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str
    authorize_url: str
    token_url: str
    revocation_url: str
    redirect_uri: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any], settings: Settings) -> XeroApp:
        """The app described by cleaned connection values, with URLs resolved as documented."""
        token_url = _pick(values.get("tokenUrl"), DEFAULT_TOKEN_URL, settings.xero_token_url)
        return cls(
            client_id=str(values["clientId"]),
            client_secret=str(values["clientSecret"]),
            scopes=normalise_scopes(str(values.get("scopes") or "")),
            authorize_url=_pick(
                values.get("authorizeUrl"), DEFAULT_AUTHORIZE_URL, settings.xero_authorize_url
            ),
            token_url=token_url,
            revocation_url=_revocation_url(token_url, settings),
            redirect_uri=str(values.get("redirectUri") or DEFAULT_REDIRECT_URI),
        )


def normalise_scopes(scopes: str) -> str:
    """Scopes separated by single spaces, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for scope in scopes.replace(",", " ").split():
        seen.setdefault(scope, None)
    return " ".join(seen)


def _pick(value: Any, default: str, configured: str) -> str:
    text = str(value).strip() if value else ""
    return configured if not text or text == default else text


def _revocation_url(token_url: str, settings: Settings) -> str:
    if token_url == settings.xero_token_url:
        return settings.xero_revocation_url
    base, sep, _ = token_url.rpartition("/token")
    return f"{base}/revocation" if sep else settings.xero_revocation_url
