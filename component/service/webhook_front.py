"""The short way in for webhook deliveries: most of the service's traffic, handled with the
fewest layers that keep every rule of the service.

A delivery (a POST to a trigger's path whose body is framed by a ``Content-Length`` within
``XERO_WA_MAX_BODY_BYTES``) goes from ``RequestIdMiddleware`` (request id, access line) straight
to its ``TriggerEndpoint``. The layers it skips add nothing for it: ``BodyLimitMiddleware``
passes such a request through untouched, the endpoint answers every status itself (it never
raises ``HTTPException``, so Starlette's exception layer has nothing to catch), and the router
would pick the same endpoint. In a profile at concurrency 16 (issue 13), those layers and their
``send`` wrappers were about 6% of the event loop's time a delivery. Every other request,
and any delivery whose length is missing, over the limit or not a number, takes the full stack.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from component.service.body_limit import declared_length


class WebhookFront:
    """Routes deliveries to their ``endpoints`` (by exact path), the rest to ``app``."""

    def __init__(self, app: ASGIApp, endpoints: Mapping[str, ASGIApp], limit: int) -> None:
        self.app = app
        self.endpoints = dict(endpoints)
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoints.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is not None and scope["method"] == "POST":
            length = declared_length(scope)
            if isinstance(length, int) and length <= self.limit:
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)
