"""Driving the sandbox's emulated Xero identity the way a browser would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from component.oauth.authorize import finish_authorization, start_authorization
from component.oauth.connected import Connected
from component.runtime import Runtime
from component.sandbox.config import XeroSandboxConfig

SANDBOX_APP = XeroSandboxConfig()
APP_VALUES = {"clientId": SANDBOX_APP.client_id, "clientSecret": SANDBOX_APP.client_secret}
NZ = "demo company (nz)"  # matched case-insensitively against "Demo Company (NZ)"


def consent_redirect(answer: httpx.Response) -> dict[str, str]:
    """The query of the sandbox's auto-consent redirect (``code`` and ``state``)."""
    assert answer.status_code == 302, answer.text
    return dict(parse_qsl(urlsplit(answer.headers["location"]).query))


async def authorise(
    runtime: Runtime, name: str = "acme", tenant: str = NZ, **values: Any
) -> Connected:
    """start → the user's browser consents → callback → finish, all through ``runtime.http``."""
    started = await start_authorization(runtime, name, {**APP_VALUES, "tenant": tenant, **values})
    params = consent_redirect(await runtime.http.get(started.url))
    return await finish_authorization(runtime, state=params["state"], code=params["code"])
