"""The executor: ``invoke(key, inputs, connection)`` → ``{"data": ...}``.

Every front end (CLI, HTTP service, flow builder) calls this and nothing else. The steps, in
order: defaults → coerce → validate (one InputError naming every bad field) → resolve the
connection → run the declarative request or the handler → map errors → ``{"data": ...}``.
Anything that is not already a ``XeroWaError`` is a bug and becomes an ``InternalError`` with a
reference that matches the logged traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from component import errors, rest, sessions
from component.context import ActionContext, Progress
from component.inputs import InputSet, Source
from component.runtime import Runtime
from component.spec.loader import Loaded
from component.spec.models import ActionSpec, DataSourceSpec, InputSpec, TriggerSpec
from component.spec.templates import TemplateError

log = logging.getLogger("xero_wa.executor")

Kind = Literal["action", "dataSource"]
Invocable = ActionSpec | DataSourceSpec | TriggerSpec


@dataclass(frozen=True)
class Prepared:
    """Per-spec work done once: the input set with its compiled validator."""

    loaded: Loaded[Any]
    input_set: InputSet
    connection_input: InputSpec | None
    #: Connection inputs of another family (key, family): opened into ``ctx.connections``.
    extra_connections: tuple[tuple[InputSpec, str], ...] = ()


class Executor:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._prepared: dict[tuple[str, str], Prepared] = {}

    async def invoke(
        self,
        key: str,
        inputs: Mapping[str, Any] | None = None,
        connection: sessions.StoredOrInline | None = None,
        *,
        kind: Kind = "action",
        source: Source = "api",
        session: sessions.Session | None = None,
        progress: Progress | None = None,
        offload: bool = False,
    ) -> dict[str, Any]:
        """Run an action (or data source) and return ``{"data": ...}``; raises XeroWaError.

        ``progress`` is a front end's hook for long actions (a progress bar): the handler calls
        it with ``(done, total)`` as its work advances. ``offload`` cleans the inputs in a
        worker thread: a caller on a shared event loop (the service) sets it for large inputs,
        whose validation takes more than a few milliseconds.
        """
        started = time.perf_counter()
        try:
            data = await self._invoke(
                key, dict(inputs or {}), connection, kind, source, session, progress, offload
            )
        except errors.XeroWaError as exc:
            log.info("%s %s failed: %s (%.1f ms)", kind, key, exc.code, _ms(started))
            raise
        except TemplateError as exc:
            raise errors.InputError.single(exc.field, exc.reason, context=f"{kind} {key}") from None
        except Exception as exc:
            reference = uuid.uuid4().hex[:12]
            log.exception("%s %s crashed (reference %s)", kind, key, reference)
            raise errors.InternalError(
                f"{kind} {key} failed unexpectedly ({type(exc).__name__}); reference {reference}",
                details={"reference": reference},
            ) from exc
        log.info("%s %s ok (%.1f ms)", kind, key, _ms(started))
        return {"data": data}

    def prepare(self, key: str, kind: Kind = "action") -> Prepared:
        cache_key = (kind, key)
        prepared = self._prepared.get(cache_key)
        if prepared is None:
            registry = self.runtime.registry
            loaded: Loaded[Any] = (
                registry.action(key) if kind == "action" else registry.datasource(key)
            )
            prepared = Prepared(
                loaded,
                InputSet(loaded.spec.inputs),
                registry.connection_input(loaded.spec),
                tuple(registry.extra_connection_inputs(loaded.spec)),
            )
            self._prepared[cache_key] = prepared
        return prepared

    async def _invoke(
        self,
        key: str,
        raw: dict[str, Any],
        connection: sessions.StoredOrInline | None,
        kind: Kind,
        source: Source,
        session: sessions.Session | None,
        progress: Progress | None = None,
        offload: bool = False,
    ) -> Any:
        prepared = self.prepare(key, kind)
        spec: Invocable = prepared.loaded.spec
        if prepared.connection_input is not None:
            from_inputs = raw.pop(prepared.connection_input.key, None)
            if connection is None and from_inputs not in (None, ""):
                connection = from_inputs
        extra_values = {i.key: raw.pop(i.key, None) for i, _ in prepared.extra_connections}
        clean = functools.partial(
            prepared.input_set.clean, raw, source=source, context=f"{kind} {key}"
        )
        values = await asyncio.to_thread(clean) if offload else clean()
        if session is None and spec.connection is not None:
            session = await sessions.resolve(self.runtime, connection, spec.connection)
        ctx = ActionContext(self.runtime, spec, values, session, self, source, progress=progress)
        for spec_input, family in prepared.extra_connections:
            await self._open_extra(ctx, spec_input, family, extra_values[spec_input.key])
        if isinstance(spec, ActionSpec) and spec.request is not None:
            return await rest.execute(ctx, spec.request)
        handler = self.runtime.registry.handler(prepared.loaded)
        return await handler(ctx)

    async def _open_extra(
        self, ctx: ActionContext, spec_input: InputSpec, family: str, value: Any
    ) -> None:
        """Open a connection input of another family. An optional one given no value uses the
        default connection when there is one; when there is none (or several), the reason is
        kept for the handler, which raises it only if it needs the connection after all (the
        reminder job's dry run needs no WhatsApp connection)."""
        given = value if value not in (None, "") else None
        try:
            ctx.connections[spec_input.key] = await sessions.resolve(self.runtime, given, family)
        except errors.ConnectionError as exc:
            if given is not None or spec_input.required:
                raise
            ctx.missing_connections[spec_input.key] = exc


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
