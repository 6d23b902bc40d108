"""The shared Xero client: every Xero call of every action goes through ``XeroClient.request``.

It adds what every call needs (Bearer via the session's auth, ``Xero-tenant-Id``, ``Accept``,
an ``Idempotency-Key`` on writes) and turns failures into the error tree. Rate limiting and
retries live in ``request`` too, so no action can bypass them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from component import errors
from component.runtime import Runtime
from component.sessions import Session
from component.xero.errors import error_for, json_body, transport_error

Service = Literal["api", "connections"]
WRITE_METHODS = frozenset({"PUT", "POST"})


class XeroClient:
    def __init__(self, runtime: Runtime, session: Session) -> None:
        self.runtime = runtime
        self.session = session

    def url(self, path: str, service: Service = "api") -> str:
        settings = self.runtime.settings
        base = settings.xero_api_url if service == "api" else settings.xero_connections_url
        return f"{base}{path}" if path.startswith("/") or not path else f"{base}/{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        service: Service = "api",
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        tenant: bool = True,
        accept: str = "application/json",
        idempotency_key: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - an HTTP timeout, not a cancel scope
        what: str | None = None,
    ) -> httpx.Response:
        """Send one logical Xero call; raises the mapped error on a non-2xx answer."""
        method = method.upper()
        url = self.url(path, service)
        what = what or f"{method} {path}"
        send_headers = self._headers(method, headers, tenant, accept, idempotency_key)
        try:
            response = await self.runtime.http.request(
                method,
                url,
                params=params,
                headers=send_headers,
                json=json,
                content=content,
                auth=self.session.auth,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TransportError as exc:
            raise transport_error(exc, what) from None
        if response.is_success:
            return response
        raise error_for(response, what)

    def _headers(
        self,
        method: str,
        extra: Mapping[str, str] | None,
        tenant: bool,
        accept: str,
        idempotency_key: str | None,
    ) -> dict[str, str]:
        headers = {"Accept": accept}
        if tenant and self.session.needs_tenant_header:
            if not self.session.tenant_id:
                raise errors.ConnectionError(
                    f"{self.session.describe()} has no Xero tenant selected",
                    reconnect="reconnect with `xero-wa connect xero --tenant NAME` or add tenantId",
                )
            headers["Xero-tenant-Id"] = self.session.tenant_id
        if method in WRITE_METHODS:
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        if extra:
            headers.update(extra)
        return headers

    async def get_json(self, path: str, params: Mapping[str, str] | None = None, **kw: Any) -> Any:
        response = await self.request("GET", path, params=params, **kw)
        return json_body(response, kw.get("what") or f"GET {path}")
