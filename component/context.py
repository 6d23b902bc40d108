"""What a handler receives: cleaned inputs, the session, and the process's services.

Handlers are small: they read ``ctx.inputs``, call ``ctx.xero`` (or ``ctx.whatsapp``), and
return the data. Shared logic belongs in ``component/``, not in handler files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from component import errors
from component.inputs import Source
from component.runtime import Runtime
from component.sessions import Session, api_connection_fix
from component.spec.models import ActionSpec, DataSourceSpec, TriggerSpec

if TYPE_CHECKING:
    from component.executor import Executor
    from component.whatsapp.client import WhatsAppClient
    from component.xero.client import XeroClient


#: ``(done, total)``: how far a long action (the reminder job) has got.
Progress = Callable[[int, int], None]


@dataclass
class ActionContext:
    runtime: Runtime
    spec: ActionSpec | DataSourceSpec | TriggerSpec
    inputs: dict[str, Any]
    session: Session | None
    executor: Executor
    source: Source = "api"
    #: Facts a handler wants reported beside its data (e.g. calls used); not part of ``data``.
    notes: dict[str, Any] = field(default_factory=dict)
    #: Sessions of declared connection inputs of another family, by input key.
    connections: dict[str, Session] = field(default_factory=dict)
    #: Why an optional connection input given no value has no session (none stored, several):
    #: the handler raises it when it turns out to need the connection after all.
    missing_connections: dict[str, errors.ConnectionError] = field(default_factory=dict)
    #: A front end's progress hook for long actions: ``(done, total)`` as the work advances.
    progress: Progress | None = None

    @property
    def settings(self) -> Any:
        return self.runtime.settings

    @property
    def clock(self) -> Any:
        return self.runtime.clock

    def require_session(self, family: str) -> Session:
        if self.session is None or self.session.family != family:
            raise errors.ConnectionError(
                f"{self.spec.key} needs a {family} connection",
                reconnect=f"run `xero-wa connect {family}` or pass --connection-value",
                api_reconnect=api_connection_fix(family),
            )
        return self.session

    @cached_property
    def xero(self) -> XeroClient:
        from component.xero.client import XeroClient

        return XeroClient(self.runtime, self.require_session("xero"))

    @cached_property
    def whatsapp(self) -> WhatsAppClient:
        from component.whatsapp.client import WhatsAppClient

        return WhatsAppClient(self.runtime, self.require_session("whatsapp"))

    async def invoke(self, key: str, inputs: dict[str, Any] | None = None) -> Any:
        """Run another action with this context's session; returns its ``data``."""
        result = await self.executor.invoke(
            key, inputs or {}, session=self.session, source=self.source
        )
        return result["data"]
