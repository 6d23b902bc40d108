"""rawRequest: any Xero accounting call, through the same client (limits, retries, tenant header)."""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.values import Binary
from component.xero import raw
from component.xero.errors import json_body


async def run(ctx: ActionContext) -> Any:
    call = raw.build(ctx.inputs, ctx.runtime.settings.xero_api_url)
    what = f"rawRequest ({call.method} {call.path})"
    accept = call.headers.pop("Accept")
    response = await ctx.xero.request(
        call.method,
        call.path,
        params=call.params or None,
        headers=call.headers or None,
        content=call.content,
        files=call.files,
        accept=accept,
        timeout=call.timeout,
        retry=call.retry,
        what=what,
    )
    if call.response_type == "binary":
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        return Binary(response.content, content_type.split(";")[0].strip())
    if call.response_type == "text":
        return response.text
    if response.status_code == 204 or not response.content:
        return None
    return json_body(response, what)
