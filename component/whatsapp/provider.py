"""Provider profiles: where the WhatsApp Cloud API is reached and how a request is authorised.

Businesses reach the Cloud API either directly at Meta (``graph.facebook.com``, a system-user
token as ``Authorization: Bearer …``) or through a provider that exposes Meta's own message
format on another host with an API-key header (360dialog and others). The message bodies, the
answers, the error codes and the webhook payloads are Meta's in both cases; only four things
differ, and a profile holds exactly those:

- the base URL;
- the auth header's name and scheme (``Authorization: Bearer <token>`` at Meta,
  ``D360-API-KEY: <key>`` at 360dialog: no scheme);
- the path style: ``graph`` puts the Graph version and the phone number id (or the business
  account id) in the path (``/v23.0/{phone-number-id}/messages``); ``flat`` has neither, the key
  already names the number (``/messages``, ``/media``, ``/v1/configs/templates``, 360dialog's
  layout);
- the webhook signature scheme (``component.whatsapp.signature``).

The profile comes from the ``whatsappCloud`` connection's values (``provider``, ``baseUrl``,
``authHeader``, ``authScheme``, ``pathStyle``); the Meta profile is the default, so existing
connections keep working unchanged. ``WHATSAPP_API_URL`` stays the base URL of the Meta profile
(it is how tests and the sandbox point the product elsewhere).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from component import errors
from component.config import Settings

PathStyle = Literal["graph", "flat"]
PATH_STYLES: tuple[PathStyle, ...] = ("graph", "flat")
META = "meta"
COMPATIBLE = "compatible"
#: The path of a provider's template listing and creation in the ``flat`` style (360dialog).
FLAT_TEMPLATES = "/v1/configs/templates"


@dataclass(frozen=True)
class Provider:
    """Where requests go and how they are authorised; built by :func:`provider_of`."""

    name: str
    base_url: str
    version: str
    path_style: PathStyle
    auth_header: str
    auth_scheme: str

    @property
    def is_meta(self) -> bool:
        return self.name == META

    def _root(self) -> str:
        return f"{self.base_url}/{self.version}" if self.path_style == "graph" else self.base_url

    def messages_url(self, phone_number_id: str) -> str:
        if self.path_style == "graph":
            return f"{self._root()}/{phone_number_id}/messages"
        return f"{self.base_url}/messages"

    def media_url(self, phone_number_id: str) -> str:
        if self.path_style == "graph":
            return f"{self._root()}/{phone_number_id}/media"
        return f"{self.base_url}/media"

    def number_url(self, phone_number_id: str) -> str | None:
        """The business number's own object (``GET /{phone-number-id}``: name, quality,
        throughput) at Meta; None at a flat provider, which has no such path."""
        if self.path_style != "graph":
            return None
        return f"{self._root()}/{phone_number_id}"

    def templates_url(self, business_account_id: str | None) -> str:
        """``/{waba-id}/message_templates`` at Meta; the key's own account at a flat provider."""
        if self.path_style == "flat":
            return f"{self.base_url}{FLAT_TEMPLATES}"
        if not business_account_id:
            raise errors.ConnectionError(
                "the whatsappCloud connection has no businessAccountId, needed for templates",
                reconnect="add businessAccountId (WhatsApp Manager, account settings)",
            )
        return f"{self._root()}/{business_account_id}/message_templates"

    def auth(self, secret: str) -> httpx.Auth:
        """The request signer for ``secret`` (token or API key)."""
        return HeaderKey(self.auth_header, self.auth_scheme, secret)

    def describe(self) -> str:
        """One safe line: which service, where, how authorised (never the secret)."""
        scheme = f"{self.auth_scheme} " if self.auth_scheme else ""
        return f"{self.name} at {self.base_url} ({self.path_style} paths, {self.auth_header}: {scheme}…)"


class HeaderKey(httpx.Auth):
    """``<header>: [<scheme> ]<secret>``; the secret is kept out of ``repr``."""

    def __init__(self, header: str, scheme: str, secret: str) -> None:
        self._name = header
        self._value = f"{scheme} {secret}" if scheme else secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._value
        yield request

    def __repr__(self) -> str:
        return f"HeaderKey({self._name}: ***)"


def provider_of(values: Mapping[str, Any], settings: Settings) -> Provider:
    """The profile a connection's values describe (Meta's unless ``provider`` says otherwise)."""
    version = str(values.get("apiVersion") or settings.whatsapp_api_version)
    name = str(values.get("provider") or META)
    if name == META:
        given = str(values.get("baseUrl") or "").rstrip("/")
        base = _checked_base(given) if given else settings.whatsapp_api_url
        return Provider(META, base, version, "graph", "Authorization", "Bearer")
    if name != COMPATIBLE:
        raise errors.InputError.single("provider", f"is {name!r}; one of {META}, {COMPATIBLE}")
    base = str(values.get("baseUrl") or "").rstrip("/")
    if not base:
        raise errors.InputError.single(
            "baseUrl", "is required for a compatible provider (e.g. https://waba-v2.360dialog.io)"
        )
    style = str(values.get("pathStyle") or "flat")
    if style not in PATH_STYLES:
        raise errors.InputError.single("pathStyle", f"is {style!r}; one of graph, flat")
    header = str(values.get("authHeader") or "Authorization").strip()
    scheme = str(values.get("authScheme") if values.get("authScheme") is not None else "").strip()
    return Provider(COMPATIBLE, _checked_base(base), version, style, header, scheme)


def _checked_base(base: str) -> str:
    """HTTPS, or plain HTTP to this machine or the sandbox (a key must never cross in clear).

    Only a connection's ``baseUrl`` is checked: ``WHATSAPP_API_URL`` is the operator's setting.
    """
    parts = urlsplit(base)
    host = parts.hostname or ""
    local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".invalid")
    if parts.scheme == "https" or (parts.scheme == "http" and local):
        return base
    raise errors.InputError.single(
        "baseUrl", f"{base!r} must be an https:// URL (http only to localhost or the sandbox)"
    )
