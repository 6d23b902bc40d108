"""A live stack for browser journeys: the sandbox and the service, each serving on a port.

The sandbox runs in its own process (``xero-wa sandbox serve --port 0``, as a user would start
it); the service (``create_app``, the same app ``xero-wa serve`` runs) runs on uvicorn in a
thread of the test process, so a test can look into its store. Both listen on 127.0.0.1 only.
Once the service listens, the sandbox's WhatsApp webhooks are pointed at it (``PUT
/_sandbox/whatsapp/webhook``, as ``xero-wa sandbox webhook-url whatsapp URL`` does), so the
messages a journey sends come back as delivered and read, signed with the app secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from component.config import Settings
from component.runtime import Runtime
from component.service.app import create_app
from component.service.config import ServiceConfig
from component.web import passwords

T = TypeVar("T")
OWNER = "owner"
PASSWORD = "correct horse battery staple"
#: Variables the sandbox process keeps from ours: nothing that could configure the product.
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
ENTRY = "import sys; from component.cli import main; sys.exit(main())"
#: Xero's 60 calls a minute would make each journey's reminder run last a minute; both sides
#: allow more here (the product still paces itself by the same limiter, only with this figure).
PER_MINUTE = 100_000
FAST = ("--per-minute", str(PER_MINUTE))


@dataclass
class Live:
    url: str
    sandbox_url: str
    banner: dict[str, Any]
    runtime: Runtime
    app: Any
    service: ServiceThread

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work()`` on the service's event loop (where the runtime's HTTP client lives)."""
        assert self.service.loop is not None
        return asyncio.run_coroutine_threadsafe(work(), self.service.loop).result(timeout=60)

    def sandbox(self, method: str, path: str, body: Any = None) -> Any:
        """Call the sandbox's control API (``/_sandbox``)."""
        response = httpx.request(
            method, f"{self.sandbox_url}/_sandbox{path}", json=body, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def xero(self, path: str) -> Any:
        """Read the sandbox's Xero as the demo organisation, with a fresh custom-connection token."""
        creds = self.banner["credentials"]
        token = httpx.post(
            f"{self.sandbox_url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=(creds["xero_client_id"], creds["xero_client_secret"]),
            timeout=30,
        ).json()["access_token"]
        tenant = self.banner["tenants"][0]["tenantId"]
        response = httpx.get(
            f"{self.sandbox_url}/api.xro/2.0{path}",
            headers={
                "Authorization": f"Bearer {token}",
                "Xero-tenant-Id": tenant,
                "Accept": "application/json",
            },
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@contextlib.contextmanager
def sandbox_process(tmp: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env["XERO_WA_HOME"] = str(tmp / "sandbox-home")
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "sandbox", "serve", "--port", "0", *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process printed no banner")
        banner = json.loads(line)
        yield banner["url"], banner
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class ServiceThread:
    """The service on uvicorn in a background thread, on a port picked by the OS."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="web-test-service", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    def _run(self) -> None:
        async def serve() -> None:
            self.loop = asyncio.get_running_loop()
            try:
                await self.server.serve(sockets=[self.sock])
            finally:
                await self.runtime.aclose()  # in the loop that opened its HTTP client

        asyncio.run(serve())

    def __enter__(self) -> ServiceThread:
        self.thread.start()
        for _ in range(600):  # started within 60 s, checked every 0.1 s
            if self.server.started:
                return self
            if not self.thread.is_alive():
                raise RuntimeError("the service thread stopped before serving")
            threading.Event().wait(0.1)
        raise RuntimeError("the service did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@contextlib.contextmanager
def live_stack(tmp: Path) -> Iterator[Live]:
    with sandbox_process(tmp) as (sandbox_url, banner):
        creds = banner["credentials"]
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, xero_wa_home=tmp / "home", xero_minute_call_limit=PER_MINUTE
        ).for_sandbox(sandbox_url)
        runtime = Runtime(settings=settings)
        runtime.store.accounts.create(OWNER, passwords.hash_password(PASSWORD), runtime.clock.now())
        config = ServiceConfig(  # type: ignore[call-arg]
            _env_file=None,
            xero_wa_poll_interval_seconds=0,
            # Journeys run reminders from the dashboard: a scheduled run catching up on today's
            # slot at start would add its own sends at a moment the test does not choose.
            xero_wa_scheduler=False,
            xero_client_id=creds["xero_client_id"],
            xero_client_secret=creds["xero_client_secret"],
            xero_webhook_key=creds["xero_webhook_key"],
        )
        app = create_app(runtime, config)
        with ServiceThread(app, runtime) as served:
            url = f"http://127.0.0.1:{served.port}"
            config.xero_wa_public_url = url
            hook = httpx.put(
                f"{sandbox_url}/_sandbox/whatsapp/webhook",
                json={"url": f"{url}/webhooks/whatsapp"},
                timeout=30,
            )
            hook.raise_for_status()
            yield Live(url, sandbox_url, banner, runtime, app, served)
