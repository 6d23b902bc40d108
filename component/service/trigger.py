"""What a trigger handler (``triggers/*/*.py``) receives and returns.

The service routes each trigger's ``path`` to its handler, so the registry stays the one list of
webhook endpoints. A handler gets the raw request (bytes, not parsed JSON: signatures are over the
exact bytes), the trigger's cleaned inputs and the runtime, and returns the status and body to
answer with. Reading the body with a size limit and the response plumbing stay in the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.spec.models import TriggerSpec


@dataclass(frozen=True)
class TriggerRequest:
    method: str
    #: Header names in lower case (HTTP header names are case-insensitive).
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class TriggerResponse:
    status: int
    body: bytes = b""
    media_type: str | None = None


@dataclass
class TriggerContext:
    runtime: Runtime
    config: ServiceConfig
    spec: TriggerSpec
    inputs: Mapping[str, Any] = field(repr=False)
    request: TriggerRequest = field(repr=False)
    #: Tells the in-process worker that new events are queued (a no-op without one).
    wake_worker: Callable[[], None] = lambda: None


TriggerHandler = Callable[[TriggerContext], Awaitable[TriggerResponse]]
