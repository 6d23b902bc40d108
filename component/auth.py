"""Request signing that needs no refresh: a bearer token supplied as it is.

OAuth connections whose tokens expire and rotate use the refreshing flow in
``component.oauth`` instead; both are ``httpx.Auth`` so clients never care which.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx


class BearerToken(httpx.Auth):
    """``Authorization: Bearer <token>``; the token is kept out of ``repr``."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerToken(***)"
