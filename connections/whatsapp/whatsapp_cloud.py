"""``whatsappCloud``: a Meta system-user token, or a compatible provider's API key.

The provider profile (``component.whatsapp.provider``) decides the auth header: ``Authorization:
Bearer <token>`` at Meta, e.g. ``D360-API-KEY: <key>`` at 360dialog. A profile that does not make
sense (no base URL for a provider, plain http to a remote host, an unknown webhook scheme) is
refused here, naming the input, before anything is sent.
"""

from __future__ import annotations

from typing import Any

from component.sessions import ConnectionContext, Session
from component.whatsapp.provider import provider_of
from component.whatsapp.signature import signature_of


async def open_connection(ctx: ConnectionContext, values: dict[str, Any]) -> Session:
    provider = provider_of(values, ctx.runtime.settings)
    signature_of(values)  # a broken webhook profile is an error now, not a 401 later
    return Session(
        key=ctx.spec_key,
        family="whatsapp",
        auth=provider.auth(values["accessToken"]),
        values=values,
        name=ctx.name,
        needs_tenant_header=False,
    )
