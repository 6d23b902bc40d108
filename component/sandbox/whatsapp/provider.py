"""A Cloud-API-compatible provider in front of the emulated number (360dialog's layout).

Providers such as 360dialog host a business's Cloud API number and expose Meta's own message
format on their host: the bodies, answers, error codes and webhook payloads are Meta's; what
differs is the host, the auth header (``D360-API-KEY: <key>``, no scheme), the paths (no Graph
version, no phone number id: the key names the number) and how webhooks are proven. With
``WhatsAppConfig.provider`` set the sandbox serves, under ``path_prefix``:

- ``POST /messages`` and ``POST /media`` (Meta's bodies and answers);
- ``GET /v1/configs/templates`` (``waba_templates`` with ``offset``/``limit``/``total``) and
  ``POST /v1/configs/templates`` (the same review as Meta's ``message_templates``);
- ``POST /v1/configs/webhook`` ``{"url": ..., "headers": {...}}``: where webhooks go, with custom
  headers the provider adds to every delivery (how a ``header-secret`` receiver is configured).

and every webhook of the number is then proven the provider's way (``webhook_signature``):
``hmac-sha256`` puts the hex HMAC-SHA256 of the body with ``webhook_secret`` in
``webhook_header`` (360dialog: ``x-360dialog-signature``); ``header-secret`` sends only the
registered custom headers; ``meta`` keeps Meta's ``X-Hub-Signature-256``. A wrong or missing key
is Meta's 190 (HTTP 401), like the Graph routes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from component.sandbox.whatsapp.errors import GraphError

if TYPE_CHECKING:
    from component.sandbox.whatsapp.world import WhatsAppWorld

Signature = Literal["meta", "hmac-sha256", "header-secret"]


class ProviderEmulation(BaseModel):
    """The provider's profile as the sandbox plays it (360dialog's values by default)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "360dialog"
    #: Where its API is served inside the sandbox (``{sandbox}/provider/messages``).
    path_prefix: str = Field(default="/provider", pattern=r"^/[a-z0-9_-]+$")
    api_key: str = "sandbox-provider-api-key"  # published demo value
    auth_header: str = "D360-API-KEY"
    #: The word before the key ("" for a bare key, as 360dialog).
    auth_scheme: str = ""
    webhook_signature: Signature = "hmac-sha256"
    webhook_header: str = "x-360dialog-signature"
    webhook_secret: str = "sandbox-provider-webhook-secret"  # noqa: S105 - published demo value

    def proof(self, body: bytes, app_secret: str, custom: dict[str, str]) -> dict[str, str]:
        """The headers a delivery of ``body`` carries from this provider."""
        if self.webhook_signature == "meta":
            digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
            return {**custom, "X-Hub-Signature-256": f"sha256={digest}"}
        if self.webhook_signature == "hmac-sha256":
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            return {**custom, self.webhook_header: digest}
        return dict(custom)

    def connection(self, sandbox_base: str) -> dict[str, str]:
        """The provider half of a ``whatsappCloud`` connection value reaching it."""
        return {
            "accessToken": self.api_key,
            "provider": "compatible",
            "baseUrl": f"{sandbox_base.rstrip('/')}{self.path_prefix}",
            "authHeader": self.auth_header,
            "authScheme": self.auth_scheme,
            "pathStyle": "flat",
            "webhookSignature": self.webhook_signature,
            "webhookHeader": self.webhook_header,
            "appSecret": self.webhook_secret,
        }

    def authorized(self, request: Request) -> bool:
        given = request.headers.get(self.auth_header, "")
        expected = f"{self.auth_scheme} {self.api_key}" if self.auth_scheme else self.api_key
        return hmac.compare_digest(given.strip().encode(), expected.encode())


Handler = Callable[["WhatsAppWorld", Request], Awaitable[Any]]


def keyed(world: WhatsAppWorld, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: the provider's key check, JSON answer, Meta's error body on failure."""

    async def endpoint(request: Request) -> Response:
        provider = world.config.provider
        if provider is None:
            return Response(status_code=404)  # this number is not behind a provider
        try:
            if not provider.authorized(request):
                raise GraphError(190)
            result = await handler(world, request)
        except GraphError as error:
            if request.url.path.endswith("/messages"):
                world.rejected[error.code] += 1
            return error.response()
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


async def list_templates(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    """360dialog's listing: every translation as one row, paged by ``offset``/``limit``."""
    from component.sandbox.whatsapp.templates import graph_template

    world.templates.settle(world.clock.now())
    rows = [graph_template(t, lang) for t in world.config.templates for lang in t.languages]
    try:
        limit = max(1, int(request.query_params.get("limit", "1000")))
        offset = max(0, int(request.query_params.get("offset", "0")))
    except ValueError as exc:
        raise GraphError(100, "Params limit and offset must be integers") from exc
    page = rows[offset : offset + limit]
    return {
        "count": len(page),
        "filters": {},
        "limit": limit,
        "offset": offset,
        "sort": ["id"],
        "total": len(rows),
        "waba_templates": page,
    }


async def set_webhook(world: WhatsAppWorld, request: Request) -> dict[str, Any]:
    """``{"url": "https://…", "headers": {"X-Webhook-Secret": "…"}}``: deliveries go there."""
    try:
        body = json.loads(await request.body() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise GraphError(100, f"Request body is not valid JSON: {exc}") from exc
    url = body.get("url") if isinstance(body, dict) else None
    headers = body.get("headers") or {} if isinstance(body, dict) else {}
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise GraphError(100, "The parameter url is required (an http(s) URL).")
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise GraphError(100, "The parameter headers must map header names to strings.")
    world.config.webhook_url = url
    world.webhook_headers = dict(headers)
    return {"url": url}


def provider_routes(world: WhatsAppWorld, graph_handlers: dict[str, Handler]) -> list[BaseRoute]:
    """The provider's paths (``graph_handlers``: the Graph routes' send, media and template
    creation handlers, so both doors reach the same number with the same rules). Served at the
    configured prefix (or the default one) and answering 404 while no provider is configured, so
    a reset that switches the provider on needs no new app."""
    p = (world.config.provider or ProviderEmulation()).path_prefix
    return [
        Route(f"{p}/messages", keyed(world, graph_handlers["send"]), methods=["POST"]),
        Route(f"{p}/media", keyed(world, graph_handlers["media"]), methods=["POST"]),
        Route(f"{p}/v1/configs/templates", keyed(world, list_templates), methods=["GET"]),
        Route(
            f"{p}/v1/configs/templates",
            keyed(world, graph_handlers["create_template"]),
            methods=["POST"],
        ),
        Route(f"{p}/v1/configs/webhook", keyed(world, set_webhook), methods=["POST"]),
    ]
