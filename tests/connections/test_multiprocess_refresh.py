"""Real processes sharing one store against ``xero-wa sandbox serve``: one token grant per expiry.

The connection is made by the real ``xero-wa connect xero`` command (its localhost callback is
reached by following the sandbox's consent redirect, as a browser would). Then, round after round,
the sandbox's clock is moved past the token's expiry and several worker processes make concurrent
calls through the stored connection; the sandbox's token-grant counter must go up by exactly one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from component.config import Settings
from tests.connections.oauth_cli_support import free_port
from tests.connections.oauth_refresh_worker import CRASH_EXIT
from tests.limits_deployment import clean_env, served_sandbox
from tests.storage import postgres_backends

XERO_WA = str(Path(sys.executable).with_name("xero-wa"))
WORKER = str(Path(__file__).with_name("oauth_refresh_worker.py"))
PROCESSES = 4
CALLS_EACH = 6
TIMEOUT = 60


# The processes share the SQLite file in their home, or one PostgreSQL schema (processes that
# could be on several hosts: the refresh mutex is then PostgreSQL's advisory lock).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
#: The store every process of a test shares: set per backend by the ``database`` fixture.
DATABASE_ENV: dict[str, str] = {}


@pytest.fixture(autouse=True)
def database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The processes' environment names the run's store (nothing: the home's SQLite file)."""
    if settings.xero_wa_database_url is not None:
        url = settings.xero_wa_database_url.get_secret_value()
        monkeypatch.setitem(DATABASE_ENV, "XERO_WA_DATABASE_URL", url)


@dataclass
class Served:
    url: str
    env: dict[str, str]

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = httpx.request(method, f"{self.url}/_sandbox{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", {"seconds": seconds})

    def grants(self) -> dict[str, int]:
        counted: dict[str, int] = self.control("GET", "/stats")["token_grants"]
        return counted


@pytest.fixture
def served() -> Iterator[Served]:
    with served_sandbox("--concurrent", "1000", "--per-minute", "100000") as banner:
        yield Served(banner["url"], banner["env"])


def connect_with_the_cli(served: Served, home: Path) -> dict[str, Any]:
    """``xero-wa connect xero`` in its own process; this test plays the user's browser."""
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    argv = [XERO_WA, "connect", "xero", "--name", "acme", "--tenant", "Demo Company (NZ)"]
    argv += ["--no-browser", "--redirect-uri", redirect]
    env = clean_env(**DATABASE_ENV, **served.env, XERO_WA_HOME=str(home))
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as cli:
        assert cli.stderr is not None
        assert cli.stdout is not None
        url = ""
        while not url:
            line = cli.stderr.readline()
            assert line, "xero-wa connect ended without printing the consent URL"
            if "/identity/connect/authorize?" in line:
                url = line.strip()
        consent = httpx.get(url, timeout=10)  # the sandbox consents and redirects back
        assert consent.status_code == 302
        callback = httpx.get(consent.headers["location"], timeout=10)
        assert callback.status_code == 200
        out, err = cli.communicate(timeout=TIMEOUT)
        assert cli.returncode == 0, err
    result: dict[str, Any] = json.loads(out)["data"]
    return result


def run_workers(
    served: Served, home: Path, *, skew: float, count: int = PROCESSES, crash: bool = False
) -> list[subprocess.CompletedProcess[str]]:
    """Start ``count`` workers, wait until all are ready, then release them at once."""
    argv = [sys.executable, WORKER, "--home", str(home), "--base", served.url]
    argv += ["--calls", str(CALLS_EACH), "--skew", str(skew)]
    if crash:
        argv.append("--crash-after-token")
    workers = [
        subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(**DATABASE_ENV),
        )
        for _ in range(count)
    ]
    for worker in workers:
        assert worker.stdout is not None
        ready = worker.stdout.readline().strip()
        assert ready == "ready", worker.communicate(timeout=TIMEOUT)[1]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    finished = []
    for worker in workers:
        out, err = worker.communicate(timeout=TIMEOUT)
        finished.append(subprocess.CompletedProcess(worker.args, worker.returncode, out, err))
    return finished


def outcomes(finished: list[subprocess.CompletedProcess[str]]) -> list[dict[str, Any]]:
    results = []
    for done in finished:
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout))
    return results


def test_processes_sharing_a_store_refresh_once_per_expiry_and_survive_a_crash(
    served: Served, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    connected = connect_with_the_cli(served, home)
    assert connected["tenantName"] == "Demo Company (NZ)"
    assert served.grants().get("authorization_code") == 1

    # Round 1: every worker's clock and the sandbox agree the token has expired.
    served.advance(1800)
    results = outcomes(run_workers(served, home, skew=1800))
    assert results == [{"ok": CALLS_EACH, "errors": []}] * PROCESSES
    assert served.grants().get("refresh_token") == 1

    # Round 2: only Xero knows the token is dead (every worker gets 401). The first refresh
    # token was rotated away more than 30 minutes ago, so this refresh works only if the
    # rotated token was stored.
    served.advance(1900)
    results = outcomes(run_workers(served, home, skew=1800))
    assert results == [{"ok": CALLS_EACH, "errors": []}] * PROCESSES
    assert served.grants().get("refresh_token") == 2

    # Round 3: a process dies after Xero answered its refresh, before the commit...
    served.advance(1900)
    [crashed] = run_workers(served, home, skew=3700, count=1, crash=True)
    assert crashed.returncode == CRASH_EXIT
    assert served.grants().get("refresh_token") == 3
    # ...and the next processes recover with the previous refresh token, within the grace.
    results = outcomes(run_workers(served, home, skew=3700))
    assert results == [{"ok": CALLS_EACH, "errors": []}] * PROCESSES
    stats = served.control("GET", "/stats")
    assert stats["token_grants"].get("refresh_token") == 4
    assert stats["token_failures"] == {}

    listed = subprocess.run(
        [XERO_WA, "connections", "--json"],
        capture_output=True,
        text=True,
        env=clean_env(**DATABASE_ENV, XERO_WA_HOME=str(home)),
        timeout=TIMEOUT,
        check=True,
    )
    [row] = json.loads(listed.stdout)
    assert row["status"] == "active"
    assert "interruptedRefreshAt" not in row
    if DATABASE_ENV:  # the processes shared PostgreSQL: no SQLite file, no lock file was made
        assert not (home / "state.db").exists()
        assert not list(home.glob("locks/*"))
