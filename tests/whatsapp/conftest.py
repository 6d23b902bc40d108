"""A WhatsApp session and client for request-level tests (pytest-httpx intercepts the runtime)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from component.auth import BearerToken
from component.runtime import Runtime
from component.sessions import Session
from component.whatsapp.client import WhatsAppClient

TOKEN = "EAAG-test-token"
PHONE_ID = "106540352242922"
WABA_ID = "419561257915477"
GRAPH = "https://graph.facebook.com/v23.0"
MESSAGES_URL = f"{GRAPH}/{PHONE_ID}/messages"
CUSTOMER = "+919820012345"
WAMID = "wamid.HBgMOTE5ODIwMDEyMzQ1FQIAERgSQzVGOTk1MjQ4NzM2QjYwNjA0AA=="


def connection_values(**extra: Any) -> dict[str, Any]:
    return {
        "accessToken": TOKEN,
        "phoneNumberId": PHONE_ID,
        "businessAccountId": WABA_ID,
        "appSecret": "app-secret",
        "verifyToken": "verify-token",
        **extra,
    }


def make_session(**extra: Any) -> Session:
    return Session(
        key="whatsappCloud",
        family="whatsapp",
        auth=BearerToken(TOKEN),
        values=connection_values(**extra),
        needs_tenant_header=False,
    )


@pytest.fixture
def client(runtime: Runtime) -> WhatsAppClient:
    return WhatsAppClient(runtime, make_session())


def accepted(to: str = CUSTOMER, wamid: str = WAMID) -> dict[str, Any]:
    """Meta's answer to an accepted send."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
        "messages": [{"id": wamid, "message_status": "accepted"}],
    }


def graph_error(code: int, message: str, details: str | None = None) -> dict[str, Any]:
    """Meta's error body."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOpQrStUvW"
    return {"error": error}


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)
