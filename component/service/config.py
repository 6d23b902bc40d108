"""The service's view of the one settings object, and the webhook secrets it resolves.

Every command and the service read one pydantic-settings object, ``component.config.Settings``
(environment variables and ``.env``); ``ServiceConfig`` is that class under the name the service
code uses. Secrets are ``SecretStr``: they print as ``**********`` and never reach a log line.
The WhatsApp app secret, verify token and webhook signature scheme may instead come from the
stored WhatsApp connection (``appSecret``, ``verifyToken``, ``webhookSignature``,
``webhookHeader``), so ``xero-wa connect whatsapp`` is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from component.config import Settings

if TYPE_CHECKING:
    from component.runtime import Runtime

#: The service's settings are the one settings object.
ServiceConfig = Settings


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
    if not runtime.has_store:
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
