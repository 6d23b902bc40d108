"""Per-endpoint call counts, keyed by method and route template (``GET /api.xro/2.0/Invoices``).

Counted after routing from the matched route, so ``/Invoices/abc`` and ``/Invoices/def`` are one
endpoint; the control API is not counted. Tests assert "exactly one token request" with this.
"""

from __future__ import annotations

from collections import Counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from component.sandbox.faults import CONTROL_PREFIX


class CallStats:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def count(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
                await app(scope, receive, send)
                return
            status = 0

            async def spy(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, spy)
            finally:
                key = f"{scope['method']} {template(scope)}"
                self.calls[key] += 1
                self.statuses[f"{key} {status or 'reset'}"] += 1

        return count

    def reset(self) -> None:
        self.calls.clear()
        self.statuses.clear()


def template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "(unmatched)"
    root = str(scope.get("root_path", ""))
    return f"{root}{path}"
