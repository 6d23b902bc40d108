"""Connecting Xero from a browser: /oauth/xero/start → Xero (the sandbox) → /oauth/xero/callback."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from tests.service.conftest import API_KEY, BASE, Stack

pytestmark = pytest.mark.anyio
ORG = "Demo Company (IN)"


@pytest.fixture
def oauth_config(stack_config: Any, sandbox_config: Any) -> Any:
    return stack_config.model_copy(
        update={
            "xero_client_id": sandbox_config.xero.client_id,
            "xero_client_secret": SecretStr(sandbox_config.xero.client_secret),
        }
    )


async def start(stack: Stack, **params: str) -> Any:
    return await stack.service.client.get("/oauth/xero/start", params=params)


async def consent(stack: Stack, location: str) -> dict[str, str]:
    """The browser at Xero: the sandbox consents at once and redirects back."""
    answer = await stack.sandbox_client.get(location)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith(f"{BASE}/oauth/xero/callback?")
    return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}


async def test_start_needs_the_api_key(make_stack: Any, oauth_config: Any) -> None:
    stack: Stack = await make_stack(config=oauth_config)
    assert (await start(stack)).status_code == 401
    assert (await start(stack, api_key="wrong")).status_code == 401


async def test_browser_connects_an_organisation(make_stack: Any, oauth_config: Any) -> None:
    stack: Stack = await make_stack(config=oauth_config)
    response = await start(stack, api_key=API_KEY, name="books", tenant=ORG)
    assert response.status_code == 302
    location = response.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == [f"{BASE}/oauth/xero/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert "offline_access" in query["scope"][0]
    params = await consent(stack, location)

    done = await stack.service.client.get("/oauth/xero/callback", params=params)
    assert done.status_code == 200
    assert "Xero is connected" in done.text
    assert ORG in done.text
    stored = stack.service.runtime.store.connections.names(family="xero")
    assert stored == ["books"]

    again = await stack.service.client.get("/oauth/xero/callback", params=params)
    assert again.status_code == 400  # a state is single-use
    assert "matches no pending authorisation" in again.text


async def test_bearer_header_also_starts(make_stack: Any, oauth_config: Any) -> None:
    stack: Stack = await make_stack(config=oauth_config)
    response = await stack.service.client.get(
        "/oauth/xero/start", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert response.status_code == 302


async def test_refused_consent_is_reported(make_stack: Any, oauth_config: Any) -> None:
    stack: Stack = await make_stack(config=oauth_config)
    response = await start(stack, api_key=API_KEY, tenant=ORG)
    state = parse_qs(urlsplit(response.headers["location"]).query)["state"][0]
    refused = await stack.service.client.get(
        "/oauth/xero/callback", params={"state": state, "error": "access_denied"}
    )
    assert refused.status_code == 424
    assert "access_denied" in refused.text
    assert stack.service.runtime.store.connections.names(family="xero") == []


async def test_unknown_state_is_400(stack: Stack) -> None:
    response = await stack.service.client.get(
        "/oauth/xero/callback", params={"state": "forged", "code": "abc"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


async def test_unconfigured_app_says_which_variables(stack: Stack) -> None:
    response = await start(stack, api_key=API_KEY)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "XERO_CLIENT_ID" in message
    assert "XERO_CLIENT_SECRET" in message
