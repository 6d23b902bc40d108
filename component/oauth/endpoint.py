"""Xero's identity endpoints: token requests (every grant type) and revocation.

Client authentication is HTTP Basic ``base64(client_id:client_secret)`` as Xero documents. Error
answers are split in two: :class:`GrantRefused` when Xero said no for good (an OAuth ``error``
such as ``invalid_grant`` or ``invalid_client``: retrying cannot help), and
:class:`~component.errors.UpstreamError` when the outcome is unknown or temporary (network, 5xx,
429), where the same request may be retried. Messages are built from our words and Xero's error
code, never from the form we sent.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from component import errors
from component.oauth.app import XeroApp
from component.oauth.token_set import TokenResponseError, TokenSet
from component.runtime import Runtime
from component.xero.errors import retry_after

SERVICE = "xero-identity"


class GrantRefused(Exception):
    """The token endpoint refused the grant (HTTP 400/401 with an OAuth ``error`` code)."""

    def __init__(self, error: str, description: str | None, status: int) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status

    def explain(self) -> str:
        """``invalid_grant`` (Xero's description, when it gave one)."""
        return f"{self.error} ({self.description})" if self.description else self.error


def basic_auth(app: XeroApp) -> str:
    pair = f"{app.client_id}:{app.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


async def request_tokens(
    runtime: Runtime, app: XeroApp, form: dict[str, str], what: str
) -> TokenSet:
    """POST ``form`` to the token endpoint; ``what`` describes the request in messages."""
    issued_at = runtime.clock.now()
    response = await _post(runtime, app, app.token_url, form, what)
    if response.status_code == 200:
        try:
            return TokenSet.from_response(_json(response), issued_at)
        except TokenResponseError as exc:
            raise errors.UpstreamError(
                f"Xero's token endpoint answered {what} with an unusable body: {exc}",
                errors.UpstreamInfo(SERVICE, 200, None, [str(exc)], retryable=True),
            ) from None
    raise _failure(response, what)


async def revoke(runtime: Runtime, app: XeroApp, refresh_token: str) -> None:
    """Revoke a refresh token (Xero removes every connection of that authorisation)."""
    response = await _post(
        runtime, app, app.revocation_url, {"token": refresh_token}, "revoking the refresh token"
    )
    if response.status_code != 200:
        raise _failure(response, "revoking the refresh token")


async def _post(
    runtime: Runtime, app: XeroApp, url: str, form: dict[str, str], what: str
) -> httpx.Response:
    headers = {"Authorization": basic_auth(app), "Accept": "application/json"}
    try:
        return await runtime.http.post(url, data=form, headers=headers)
    except httpx.TransportError as exc:
        cls = errors.upstream_class(None, timed_out=isinstance(exc, httpx.TimeoutException))
        raise cls(
            f"could not reach Xero's identity service for {what} ({type(exc).__name__})",
            errors.UpstreamInfo(SERVICE, None, type(exc).__name__, [], retryable=True),
        ) from None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _failure(response: httpx.Response, what: str) -> Exception:
    status = response.status_code
    body = _json(response)
    code = body.get("error") if isinstance(body, dict) else None
    if status in (400, 401) and isinstance(code, str) and code:
        description = body.get("error_description") if isinstance(body, dict) else None
        return GrantRefused(code, description if isinstance(description, str) else None, status)
    if status == 429:
        wait = retry_after(response)
        return errors.RateLimited(
            f"Xero's identity service rate-limited {what}",
            errors.UpstreamInfo(
                SERVICE, status, "rate_limit", [], retryable=True, retry_after=wait
            ),
        )
    return errors.upstream_class(status)(
        f"Xero's identity service failed {what} with HTTP {status}",
        errors.UpstreamInfo(
            SERVICE, status, code if isinstance(code, str) else None, [], retryable=status >= 500
        ),
    )
