"""One OAuth token set as Xero's token endpoint returns it, with its absolute expiry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: Xero's access tokens live 30 minutes; used when a response omits ``expires_in``.
DEFAULT_EXPIRES_IN = 1800


class TokenResponseError(ValueError):
    """The token endpoint answered 200 with a body that is not a usable token set."""


@dataclass(frozen=True)
class TokenSet:
    """Access token, optional refresh token and when the access token stops working.

    Token values are excluded from ``repr`` so a token set can be logged or shown in a
    traceback without leaking anything.
    """

    access_token: str = field(repr=False)
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    token_type: str = "Bearer"  # noqa: S105 - a token type, not a secret

    @classmethod
    def from_response(cls, body: Any, issued_at: datetime) -> TokenSet:
        """Parse a token endpoint body; ``issued_at`` is when the request was sent.

        Using the send time (not the receive time) makes the expiry slightly pessimistic,
        which is the safe direction.
        """
        if not isinstance(body, Mapping):
            raise TokenResponseError("the token response is not a JSON object")
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenResponseError("the token response has no access_token")
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise TokenResponseError("the token response has an invalid expires_in")
        refresh = body.get("refresh_token")
        scope = body.get("scope")
        return cls(
            access_token=access,
            expires_at=issued_at + timedelta(seconds=expires_in),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            scope=scope if isinstance(scope, str) else None,
            token_type=str(body.get("token_type") or "Bearer"),
        )

    def expires_within(self, now: datetime, margin_seconds: float) -> bool:
        """True when fewer than ``margin_seconds`` of validity remain at ``now``."""
        return now >= self.expires_at - timedelta(seconds=margin_seconds)
