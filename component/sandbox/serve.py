"""``xero-wa sandbox serve``: the sandbox on a port, for any HTTP client.

The first line on stdout is one JSON object (flushed before the server starts) so a script can
read it and configure itself: ``url``, ``env`` (the variables that point ``xero-wa`` and
``xero-wa serve`` at this sandbox, plus the credential variables ``xero-wa connect`` reads),
``credentials`` and the demo ``tenants``. Webhook deliveries run in the background on the
system clock; ``POST /_sandbox/clock/advance`` moves sandbox time forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
import sys
from typing import Any, TextIO

from component import event_loop
from component.sandbox.app import create_app
from component.sandbox.config import SandboxConfig
from component.sandbox.env_block import env_block
from component.sandbox.faults import SimulatedReset
from component.sandbox.state import SandboxState, build_sandbox


def public_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - a comparison


def banner(state: SandboxState) -> dict[str, Any]:
    """What a client needs to use this sandbox: URLs as environment variables and credentials."""
    cfg = state.config
    base = cfg.base_url.rstrip("/")
    wa = cfg.whatsapp
    credentials: dict[str, Any] = {
        "xero_client_id": cfg.xero.client_id,
        "xero_client_secret": cfg.xero.client_secret,
        "xero_webhook_key": cfg.xero.webhook_key,
        "whatsapp_access_token": wa.access_token,
        "whatsapp_app_secret": wa.app_secret,
        "whatsapp_verify_token": wa.verify_token,
        "whatsapp_phone_number_id": wa.phone_number_id,
        "whatsapp_business_account_id": wa.business_account_id,
    }
    tenants = [{"tenantId": o.tenant_id, "tenantName": o.name} for o in state.xero.orgs.values()]
    if wa.provider is not None:
        credentials["whatsapp_provider"] = wa.provider.connection(base)
    return {
        "url": base,
        "control": f"{base}/_sandbox",
        "env": env_block(cfg),
        "credentials": credentials,
        "tenants": tenants,
        "today": state.xero.today.isoformat() if state.xero.today else None,
    }


class _DropSimulatedResets(logging.Filter):
    """A reset is the point of the fault; uvicorn's traceback for it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedReset)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, made as TCP explicitly.

    asyncio sets TCP_NODELAY on an accepted connection only when the socket's protocol is
    IPPROTO_TCP; with protocol 0 every kept-alive request after the first waited for a delayed
    ACK (44 ms instead of 0.7 ms), capping a sequential client at ~22 requests a second.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)  # clients that connect before the server loop starts wait in the backlog
    sock.set_inheritable(True)
    return sock


#: Not 8765: that is where ``xero-wa connect xero`` listens for Xero's redirect by default.
DEFAULT_PORT = 8766


def serve(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    out: TextIO | None = None,
) -> None:
    """Bind, print the banner line, then serve until interrupted (port 0 picks a free port)."""
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    config.base_url = f"http://{public_host(host)}:{actual}"
    state = build_sandbox(config=config)
    keep_collections_short()
    stream = out or sys.stdout
    stream.write(json.dumps(banner(state)) + "\n")
    stream.flush()
    event_loop.run(_run(state, sock))


def keep_collections_short() -> None:
    """Freeze the world just built, and from then on whatever survives the collection of the
    middle generation.

    The sandbox's world only grows: every organisation's invoices and contacts (hundreds of
    thousands of objects at the benches' sizes), then every message accepted, its statuses and
    webhooks. A full collection walked all of it, and stalled the server longer as it grew:
    40-210 ms with the world alone, then 23, 67, 74, 99, 129 and 217 ms during 18,000 sends at
    80/s (``bench/remind.py`` rate80large). The requests that arrived during a stall were then
    counted together, as if sent closer together than they were: 4-5 answers 130429 a run to a
    sender that kept the cap at the wire (Meta counts where requests arrive, without pauses).
    Freezing only what survived a full collection still left each full collection walking
    everything promoted since the last one, about 50 s of messages at 80/s: 29-81 ms each. So
    what survives two young collections (the middle generation's) is frozen at once, and a full
    collection walks almost nothing. What is frozen and becomes garbage in a cycle afterwards is
    kept until the server ends: the full collections it replaces found 47-129 such objects a
    minute. The running process is the server's alone (``xero-wa sandbox serve``): nothing of a
    caller's is kept.
    """
    gc.freeze()
    gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info.get("generation", 0) >= 1:
        gc.freeze()


async def _run(state: SandboxState, sock: socket.socket) -> None:
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_DropSimulatedResets())
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), log_level="warning", access_log=False, lifespan="off")
    )
    deliveries = asyncio.create_task(state.deliverer.run_forever())
    try:
        await server.serve(sockets=[sock])
    finally:
        deliveries.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await deliveries
        await state.deliverer.aclose()
