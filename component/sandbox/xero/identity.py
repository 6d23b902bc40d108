"""Routes of the emulated identity service: authorize (auto-consent), token, revocation.

``/identity/connect/authorize`` stands in for Xero's login and consent pages: by default the demo
user is always signed in and approves every organisation, so it redirects straight back with a
code; with ``consent: page`` it shows a consent page instead (``consent.py``). Everything after
that is as strict as Xero: client authentication by HTTP Basic (or form fields), exact
``redirect_uri`` match, PKCE S256/plain, single-use codes, the OAuth error codes Xero returns.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from component.sandbox.xero.consent import consent_choice, consent_page, with_form
from component.sandbox.xero.envelope import json_response
from component.sandbox.xero.tokens import TokenError

if TYPE_CHECKING:
    from component.sandbox.xero.world import XeroWorld

_SCOPE = re.compile(
    r"^(openid|profile|email|offline_access|files(\.read)?|assets(\.read)?|projects(\.read)?"
    r"|accounting\.[a-z.]+|payroll\.[a-z.]+|bankfeeds|finance\.[a-z.]+|paymentservices"
    r"|app\.connections|marketplace\.billing)$"
)
#: What a client-credentials token gets when it asks for no scope (a custom connection's set).
CUSTOM_CONNECTION_SCOPES = frozenset(
    {
        "accounting.invoices",
        "accounting.payments",
        "accounting.contacts",
        "accounting.settings",
        "accounting.attachments",
        "accounting.transactions",
    }
)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def routes(world: XeroWorld) -> list[Route]:
    async def authorize(request: Request) -> Response:
        if request.method == "POST":
            request = await with_form(request)
        return _authorize(world, request)

    async def token(request: Request) -> Response:
        return _token(world, request.headers.get("authorization", ""), await request.body())

    async def revocation(request: Request) -> Response:
        return _revoke(world, request.headers.get("authorization", ""), await request.body())

    return [
        Route("/identity/connect/authorize", authorize, methods=["GET", "POST"]),
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
    ]


def oauth_error(error: str, status: int = 400) -> Response:
    return json_response({"error": error}, status, NO_STORE)


def _authorize(world: XeroWorld, request: Request) -> Response:
    params = request.query_params
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if client_id != world.config.xero.client_id:
        return PlainTextResponse(
            "Error: unauthorized_client\nUnknown client or client not enabled", 400
        )
    if not _redirect_allowed(world, redirect_uri):
        return PlainTextResponse("Error: invalid_request\nInvalid redirect_uri", 400)
    state = params.get("state")

    def back(**values: str) -> Response:
        if state is not None:
            values["state"] = state
        joiner = "&" if urlsplit(redirect_uri).query else "?"
        return RedirectResponse(f"{redirect_uri}{joiner}{urlencode(values)}", 302)

    if params.get("response_type") != "code":
        return back(error="unsupported_response_type")
    scopes = frozenset(params.get("scope", "").split())
    if not scopes or any(not _SCOPE.match(s) for s in scopes):
        return back(error="invalid_scope")
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "plain" if challenge else "")
    if challenge and method not in ("S256", "plain"):
        return back(error="invalid_request")
    if world.config.xero.consent == "page":
        if request.method == "GET":
            return consent_page(world, params)
        chosen = consent_choice(world, request)
        if chosen is None:
            return back(error="access_denied")
        user, tenants = chosen
        if not tenants:
            return consent_page(world, params, "Tick at least one organisation.", 400)
        link = world.tokens.consent(client_id, tenants, user)
    else:
        link = world.tokens.consent(client_id, list(world.orgs))
    code = world.tokens.issue_code(link, redirect_uri, scopes, challenge, method)
    return back(code=code, scope=" ".join(sorted(scopes)), session_state=code[:16])


def _redirect_allowed(world: XeroWorld, uri: str) -> bool:
    allowed = world.config.xero.redirect_uris
    if allowed:
        return uri in allowed
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.fragment


def _client(world: XeroWorld, header: str, form: dict[str, str]) -> tuple[str, bool]:
    """(client_id, authenticated-with-secret); raises TokenError('invalid_client')."""
    cfg = world.config.xero
    client_id, secret = form.get("client_id", ""), form.get("client_secret")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError("invalid_client") from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise TokenError("invalid_client")
    if client_id != cfg.client_id:
        raise TokenError("invalid_client")
    if secret is None:
        return client_id, False
    if not hmac.compare_digest(secret.encode(), cfg.client_secret.encode()):
        raise TokenError("invalid_client")
    return client_id, True


def _form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in parsed.items()}


def _token(world: XeroWorld, auth_header: str, body: bytes) -> Response:
    form = _form(body)
    book = world.tokens
    grant_type = form.get("grant_type", "")
    try:
        client_id, authenticated = _client(world, auth_header, form)
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise TokenError("invalid_request")
            result = book.exchange_code(
                client_id,
                form["code"],
                form.get("redirect_uri", ""),
                form.get("code_verifier", ""),
                authenticated,
            )
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise TokenError("invalid_request")
            result = book.use_refresh(client_id, form["refresh_token"], authenticated)
        elif grant_type == "client_credentials":
            if not authenticated:
                raise TokenError("invalid_client")
            result = _client_credentials(world, client_id, form.get("scope", ""))
        elif not grant_type:
            raise TokenError("invalid_request")
        else:
            raise TokenError("unsupported_grant_type")
    except TokenError as exc:
        book.failures[f"{grant_type or 'none'}:{exc.error}"] += 1
        return oauth_error(exc.error)
    return json_response(result, 200, NO_STORE)


def _client_credentials(world: XeroWorld, client_id: str, scope: str) -> dict[str, object]:
    requested = frozenset(scope.split())
    if "offline_access" in requested or any(not _SCOPE.match(s) for s in requested):
        raise TokenError("invalid_scope")
    tenant = world.custom_connection_tenant()
    if tenant is None:
        raise TokenError("unauthorized_client")
    return world.tokens.client_credentials(client_id, requested or CUSTOM_CONNECTION_SCOPES, tenant)


def _revoke(world: XeroWorld, auth_header: str, body: bytes) -> Response:
    form = _form(body)
    try:
        client_id, authenticated = _client(world, auth_header, form)
        if not authenticated:
            raise TokenError("invalid_client")
    except TokenError as exc:
        return oauth_error(exc.error)
    if not form.get("token"):
        return oauth_error("invalid_request")
    world.tokens.revoke(client_id, form["token"])
    return Response(status_code=200)
