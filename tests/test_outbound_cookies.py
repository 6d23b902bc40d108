"""The process's outbound client keeps no cookies: every API it calls authenticates each request,
and a cookie a server sets is never sent back to it."""

from __future__ import annotations

import httpx
import pytest

from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime


@pytest.mark.anyio
async def test_a_cookie_a_server_sets_is_not_sent_back(
    settings: Settings, registry: Registry
) -> None:
    seen: list[str | None] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"Set-Cookie": "AWSALB=abc; Path=/"})

    runtime = Runtime(settings=settings, registry=registry, transport=httpx.MockTransport(server))
    try:
        for _ in range(2):
            response = await runtime.http.get("https://api.example.test/v1/thing")
            assert response.status_code == 200
        assert seen == [None, None]
        assert len(runtime.http.cookies) == 0
    finally:
        await runtime.aclose()
