"""Client credentials ("custom connections"): no refresh token, a new token on every expiry.

The token is bound to exactly one organisation, so requests need no ``Xero-tenant-Id``. The
same keeper as authorization-code connections runs it, so expiry, the 401 retry and
single-flight work identically; only the way a new token is obtained differs.
"""

from __future__ import annotations

import random

from component import errors
from component.oauth.app import XeroApp
from component.oauth.endpoint import GrantRefused, request_tokens
from component.oauth.refresh import describe_refusal
from component.oauth.token_set import TokenSet
from component.runtime import Runtime
from component.storage.tokens import TokenRecord
from component.xero.retry import RetryPolicy


class ClientCredentialsGrant:
    def __init__(self, app: XeroApp) -> None:
        self.app = app

    def refresh_token_for(self, record: TokenRecord) -> str | None:
        return None

    async def obtain(self, runtime: Runtime, refresh_token: str | None, what: str) -> TokenSet:
        """Request a token, retrying network failures, 5xx and short 429s.

        Unlike a refresh, a lost answer costs nothing here: each request mints an independent
        token and invalidates none, so it is safe to send again with the Xero client's backoff.
        """
        form = {"grant_type": "client_credentials"}
        if self.app.scopes:
            form["scope"] = self.app.scopes
        settings = runtime.settings
        policy = RetryPolicy(
            retries=settings.xero_max_retries, base_delay=settings.xero_retry_base_delay_seconds
        )
        rng = random.Random()  # noqa: S311 - jitter, not security
        for attempt in range(policy.retries + 1):
            try:
                return await request_tokens(runtime, self.app, form, what)
            except errors.UpstreamError as exc:
                wait = (
                    exc.retry_after if exc.retry_after is not None else policy.backoff(attempt, rng)
                )
                if (
                    not exc.retryable
                    or attempt == policy.retries
                    or wait > settings.xero_rate_limit_max_wait_seconds
                ):
                    raise
                await runtime.clock.sleep(wait)
        raise AssertionError("the loop above returns or raises")  # pragma: no cover

    def explain_refusal(self, refused: GrantRefused, record: TokenRecord) -> str:
        if refused.error == "unauthorized_client":
            return (
                "Xero does not allow client credentials for this app (unauthorized_client): it "
                "must be a Custom Connection app, authorised by the organisation"
            )
        return describe_refusal(refused)


def check_scopes(scopes: str) -> None:
    """Client credentials never get a refresh token; asking for one is an error at Xero."""
    if "offline_access" in scopes.split():
        raise errors.InputError.single(
            "scopes", "do not request offline_access with client credentials (custom connections)"
        )
