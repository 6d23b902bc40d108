"""A 200 to Xero means the event is durable: ``xero-wa serve`` in its own process, deliveries
sent at once over real sockets, the process killed (SIGKILL, no shutdown) right after the last
200; every event answered 200 is in the store when it is opened again."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from component.config import Settings
from component.runtime import Runtime
from tests.service.conftest import WEBHOOK_KEY, xero_body, xero_event, xero_headers

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
SERVE = "import sys; from component.cli import main; sys.exit(main())"
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """``xero-wa serve`` on a free port with shipped defaults (worker off: events stay queued)."""
    home = tmp_path / "home"
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.update(
        PYTHONPATH=str(ROOT),
        XERO_WA_HOME=str(home),
        XERO_WEBHOOK_KEY=WEBHOOK_KEY,
        XERO_WA_POLL_INTERVAL_SECONDS="0",
        XERO_WA_LOG_LEVEL="INFO",
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", "0", "--no-worker", "--no-scheduler"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # blocks until the server says where it listens
            lines.append(line)
            found = RUNNING.search(json.loads(line).get("message", ""))
            if found:
                yield proc, f"http://127.0.0.1:{found.group(1)}", home
                break
        else:
            pytest.fail(f"xero-wa serve did not start: {''.join(lines)}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


async def test_every_event_answered_200_survives_a_kill_right_after(
    served: tuple[subprocess.Popen[str], str, Path],
) -> None:
    proc, url, home = served
    bodies = [xero_body(xero_event(f"inv-{n}")) for n in range(40)]
    async with httpx.AsyncClient(base_url=url) as client:
        responses = await asyncio.gather(
            *(client.post("/webhooks/xero", content=b, headers=xero_headers(b)) for b in bodies)
        )
    proc.send_signal(signal.SIGKILL)  # no graceful stop: only what was committed remains
    proc.wait(timeout=30)
    assert [r.status_code for r in responses] == [200] * 40

    runtime = Runtime(settings=Settings(_env_file=None, xero_wa_home=home))  # type: ignore[call-arg]
    try:
        stored = {e.resource_id for e in runtime.store.events.list(("queued",), 1000)}
    finally:
        runtime.store.close()
    assert stored == {f"inv-{n}" for n in range(40)}
