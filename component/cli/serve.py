"""``xero-wa serve``, ``xero-wa worker`` and ``xero-wa events``: the HTTP service and its queue.

``serve`` runs the Starlette app on uvicorn (webhooks, the ``/v1`` API, OAuth) with the worker
and the scheduler in the same process unless ``--no-worker`` / ``--no-scheduler``; ``worker``
runs only the worker, the catch-up poll and the scheduler against the same store; ``events``
lists the durable queue and replays parked events. Only the standard library is imported
here; the service loads when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from component.cli.types import port

STATES = ("queued", "working", "done", "parked")


def register(commands: Any) -> None:
    p = commands.add_parser("serve", help="serve webhooks, the JSON action API and OAuth")
    p.add_argument("--host", help="address to listen on (default $XERO_WA_HOST or 127.0.0.1)")
    p.add_argument("--port", type=port, help="port to listen on (default $XERO_WA_PORT or 8000)")
    p.add_argument("--no-worker", action="store_true", help="only receive; a separate worker works")
    p.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run the organisations' scheduled jobs (reminders) in this process",
    )
    p.add_argument("--log-level", default=None, help="DEBUG, INFO (default), WARNING, ERROR")
    p.add_argument(
        "--graceful-timeout",
        type=float,
        default=10.0,
        help="seconds to let in-flight requests finish on shutdown",
    )
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser(
        "worker", help="process queued webhook events and scheduled jobs (no HTTP)"
    )
    p.add_argument("--once", action="store_true", help="process what is due now, then exit")
    p.add_argument("--no-scheduler", action="store_true", help="do not run scheduled jobs")
    p.add_argument("--log-level", default=None)
    p.set_defaults(handler=cmd_worker)

    p = commands.add_parser("events", help="list queued and parked webhook events; replay one")
    p.add_argument("--state", choices=(*STATES, "all"), default=None, help="default: queued+parked")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--replay", type=int, metavar="ID", help="queue a parked event again")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_events)


def cmd_serve(args: argparse.Namespace) -> int:
    import gc

    import uvicorn

    from component import event_loop
    from component.service.app import create_app

    runtime, config = _service_runtime(args)
    from component.private_home import make_private

    note = make_private(config.xero_wa_home)  # the OAuth routes store tokens there
    if note:
        sys.stderr.write(f"note: {note}\n")
    if args.no_worker:
        config = config.model_copy(update={"xero_wa_worker": False})
    if args.no_scheduler:
        config = config.model_copy(update={"xero_wa_scheduler": False})
    app = create_app(runtime, config)
    server = _closing_server(
        runtime,
        uvicorn.Config(
            app,
            host=args.host or config.xero_wa_host,
            port=config.xero_wa_port if args.port is None else args.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            proxy_headers=True,
            server_header=False,
            timeout_graceful_shutdown=args.graceful_timeout,
        ),
    )

    async def run() -> None:
        try:
            await server.serve()
        finally:  # when serve() returns: a failed start-up, or no signal involved
            await runtime.aclose()

    # Everything loaded so far (specs, models, the app) lives as long as the process: frozen, it
    # is left out of every garbage collection. Otherwise a full collection, started by whichever
    # thread allocates (a worker parsing a 1 MB body), walks ~100k objects holding the GIL and
    # stalls the event loop for a quarter of a second.
    gc.freeze()
    event_loop.run(run())
    return 0


def _closing_server(runtime: Any, config: Any) -> Any:
    """A uvicorn server that closes ``runtime`` (its store and HTTP clients) as the last step of
    its graceful shutdown.

    After a SIGTERM or SIGINT, uvicorn shuts down (in-flight requests, then the lifespan: worker,
    scheduler) and then raises the signal again so that the process ends *by* that signal, as a
    supervisor expects (Docker reports 143). Nothing after ``serve()`` runs, so the runtime has to
    be closed inside the shutdown rather than after it.
    """
    import socket

    import uvicorn

    class ClosingServer(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            try:
                await super().shutdown(sockets)
            finally:
                await runtime.aclose()

    return ClosingServer(config)


def cmd_worker(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from component import event_loop
    from component.cli.output import emit
    from component.orgs.sync import sync_stored
    from component.service import background
    from component.service.app import build_state

    runtime, config = _service_runtime(args)
    if args.no_scheduler:
        config = config.model_copy(update={"xero_wa_scheduler": False})
    state = build_state(runtime, config, None, None)
    worker, poller, scheduler = state.worker, state.poller, state.scheduler
    assert worker is not None
    assert poller is not None
    assert scheduler is not None

    async def run() -> dict[str, Any]:
        try:
            await asyncio.to_thread(lambda: runtime.store)
            await asyncio.to_thread(sync_stored, runtime)
            if args.once:
                if config.xero_wa_poll_interval_seconds > 0:
                    await poller.poll_all()
                fired = await scheduler.tick() if config.xero_wa_scheduler else []
                attempted = await worker.drain()
                counts = await asyncio.to_thread(runtime.store.events.counts)
                return {
                    "attempted": attempted,
                    "done": worker.processed,
                    "queue": counts,
                    "scheduled": [
                        {"tenantId": f.tenant_id, "job": f.job, "outcome": f.outcome} for f in fired
                    ],
                }
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            worker.start()
            polling = asyncio.create_task(poller.run_forever())
            tasks = background.start(state)
            await stop.wait()
            polling.cancel()
            await background.stop(state, tasks)
            await worker.stop()
            return {"processed": worker.processed}
        finally:
            await runtime.aclose()

    emit({"data": event_loop.run(run())})
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    import asyncio

    from component import errors
    from component.cli.output import emit
    from component.config import get_settings
    from component.runtime import Runtime

    runtime = Runtime(settings=get_settings())
    try:
        repo = runtime.store.events
        if args.replay is not None:
            event = repo.replay(args.replay, runtime.clock.now())
            if event is None:
                raise errors.InputError.single(
                    "--replay", f"no parked or finished event has id {args.replay}"
                )
            emit({"data": event.to_json()})
            return 0
        states = (
            STATES if args.state == "all" else (args.state,) if args.state else ("queued", "parked")
        )
        rows = [e.to_json() for e in repo.list(states, args.limit)]
        counts = repo.counts()
    finally:
        asyncio.run(runtime.aclose())
    if args.json:
        emit({"data": {"counts": counts, "events": rows}})
        return 0
    _table(rows, counts)
    return 0


def _table(rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    from rich.table import Table

    from component.cli.tables import data_console

    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    table = Table(title=f"webhook events: {summary}", title_justify="left")
    for column in ("id", "state", "category", "type", "resource", "attempts", "next", "error"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["state"],
            row["category"],
            row["eventType"],
            row["resourceId"],
            str(row["attempts"]),
            row["nextAttemptAt"] if row["state"] == "queued" else "",
            (row["lastError"] or "")[:80],
        )
    data_console().print(table)


def _service_runtime(args: argparse.Namespace) -> tuple[Any, Any]:
    """The runtime and service configuration; JSON logs with the secrets masked."""
    from component.config import get_settings
    from component.runtime import Runtime
    from component.service import logging as service_logging
    from component.service.config import resolve_secrets

    settings = get_settings()
    from component.storage.home import check_single_store

    check_single_store(settings)  # serve sends (alerts, scheduled reminders): one store only
    runtime = Runtime(settings=settings, store_policy="current")
    runtime.store  # noqa: B018 - open now: a store older or newer than the code stops here, named
    secrets = resolve_secrets(runtime, settings)
    masked = [
        secrets.xero_webhook_key,
        *secrets.whatsapp_app_secrets,
        *secrets.whatsapp_verify_tokens,
        *settings.api_keys(),
    ]
    level = args.log_level or ("DEBUG" if args.debug else settings.xero_wa_log_level)
    service_logging.configure(level, masked)
    return runtime, settings
