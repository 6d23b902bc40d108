"""Client credentials ("custom connections"): no refresh token, a new token on every expiry.

The token is bound to exactly one organisation, so requests need no ``Xero-tenant-Id``. The
same keeper as authorization-code connections runs it, so expiry, the 401 retry and
single-flight work identically; only the way a new token is obtained differs.
"""

from __future__ import annotations

from component import errors
from component.oauth.app import XeroApp
from component.oauth.endpoint import GrantRefused, request_tokens
from component.oauth.refresh import describe_refusal
from component.oauth.token_set import TokenSet
from component.runtime import Runtime
from component.storage.tokens import TokenRecord


class ClientCredentialsGrant:
    def __init__(self, app: XeroApp) -> None:
        self.app = app

    def refresh_token_for(self, record: TokenRecord) -> str | None:
        return None

    async def obtain(self, runtime: Runtime, refresh_token: str | None, what: str) -> TokenSet:
        form = {"grant_type": "client_credentials"}
        if self.app.scopes:
            form["scope"] = self.app.scopes
        return await request_tokens(runtime, self.app, form, what)

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
