"""``xero-wa events`` (list, replay), ``xero-wa worker --once`` and the serve parser."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from component.cli import main
from component.config import get_settings
from component.storage.events import NewEvent
from component.storage.store import Store
from tests.connections.oauth_cli_support import free_port
from tests.limits_deployment import clean_env
from tests.storage.fleet import XERO_WA, wait_healthy


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("XERO_WA_CONNECTION_VALUE", "XERO_WEBHOOK_KEY", "XERO_WA_API_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XERO_WA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path / "home"
    get_settings.cache_clear()
    for handler in list(root.handlers):  # `worker` installs the service's JSON log handler
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def parked_store(home: Path) -> int:
    store = Store.open(home / "state.db")
    now = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
    event = NewEvent("tenant-1", "INVOICE", "inv-1", "UPDATE", "2026-07-14T09:30:00.000")
    store.events.enqueue([event], now)
    (claimed,) = store.events.claim("w", now, 60, 1)
    store.events.park(claimed.id, "w", "upstream_error: no such invoice", now)
    store.close()
    return claimed.id


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else out


def test_events_lists_parked_with_their_error(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event_id = parked_store(home)
    code, body = run(capsys, "events", "--json")
    assert code == 0
    assert body["data"]["counts"]["parked"] == 1
    (row,) = body["data"]["events"]
    assert (row["id"], row["state"], row["lastError"]) == (
        event_id,
        "parked",
        "upstream_error: no such invoice",
    )
    code, table = run(capsys, "events")
    assert code == 0
    assert "inv-1" in table
    assert "1 parked" in table


def test_events_replay_queues_it_again(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event_id = parked_store(home)
    code, body = run(capsys, "events", "--replay", str(event_id))
    assert code == 0
    assert (body["data"]["state"], body["data"]["attempts"]) == ("queued", 0)
    code, body = run(capsys, "events", "--state", "queued", "--json")
    assert [e["id"] for e in body["data"]["events"]] == [event_id]


def test_replaying_an_unknown_event_is_an_input_error(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--replay", "42"]) == 2
    error = json.loads(capsys.readouterr().err)["error"]
    assert "no parked or finished event has id 42" in error["message"]


def test_worker_once_keeps_what_cannot_run(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any Xero connection the event cannot be fetched: it is retried later, not lost."""
    store = Store.open(home / "state.db")
    event = NewEvent("tenant-1", "INVOICE", "inv-1", "UPDATE", "2026-07-14T09:30:00.000")
    store.events.enqueue([event], datetime.now(UTC))
    store.close()
    monkeypatch.setenv("XERO_WA_POLL_INTERVAL_SECONDS", "0")
    code = main(["worker", "--once"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)["data"]
    assert (result["attempted"], result["done"]) == (1, 0)
    assert result["queue"]["queued"] == 1
    store = Store.open(home / "state.db")
    (queued,) = store.events.list(("queued",))
    store.close()
    assert queued.attempts == 1
    assert queued.last_error is not None
    assert queued.last_error.startswith("connection_error: no xero connection given")


def test_serve_commands_keep_the_parser_light() -> None:
    code = (
        "import sys, component.cli; p = component.cli.build_parser(); "
        "p.parse_args(['serve', '--port', '9', '--no-worker']); "
        "print(sorted(m for m in ('httpx', 'pydantic', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_served_requests_are_parsed_by_httptools() -> None:
    """uvicorn picks its HTTP parser by what is installed: httptools (a dependency) rather than
    h11, whose pure-Python parsing held webhook intake to about two thirds of the deliveries a
    second."""
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    config = uvicorn.Config(app=lambda scope, receive, send: None, log_config=None)
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol


def test_serve_stopped_with_sigterm_closes_its_store_then_ends_by_the_signal(
    tmp_path: Path,
) -> None:
    """What `docker compose down` or systemd does: the store is closed cleanly (SQLite folds its
    write-ahead log back and removes it only on a clean close), and the process ends by the
    signal after uvicorn's graceful shutdown, as supervisors expect."""
    home = tmp_path / "home"
    port = free_port()
    process = subprocess.Popen(
        [XERO_WA, "serve", "--port", str(port)],
        env=clean_env(XERO_WA_HOME=str(home)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_healthy(port)
        assert (home / "state.db-wal").exists()  # the running service holds the store open
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGTERM, err.decode()[-2000:]
    assert b"service stopped" in err
    assert (home / "state.db").exists()
    assert not (home / "state.db-wal").exists(), "the store was not closed"
