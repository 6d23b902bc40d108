"""``xero-wa sandbox serve`` on a real port, driven by ``http.client`` (not our HTTP stack), and
the ``xero-wa sandbox ...`` control commands against it."""

from __future__ import annotations

import base64
import gc
import http.client
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

CLI = [sys.executable, "-c", "import sys; from component.cli import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [
            *CLI,
            "sandbox",
            "serve",
            "--port",
            "0",
            "--today",
            "2026-06-23",
            "--invoices",
            "50",
            "--per-minute",
            "1000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        assert line, proc.stderr.read() if proc.stderr else "no output"
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)  # waits and closes the pipes


def call(
    banner: dict[str, Any],
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(banner["url"])
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_banner_is_one_json_line_with_env_and_credentials(served: dict[str, Any]) -> None:
    env, url = served["env"], served["url"]
    assert env["XERO_API_URL"] == f"{url}/api.xro/2.0"
    assert env["XERO_IDENTITY_URL"] == env["XERO_LOGIN_URL"] == env["WHATSAPP_API_URL"] == url
    assert env["XERO_CONNECTIONS_URL"] == f"{url}/connections"
    assert set(served["credentials"]) >= {
        "xero_client_id",
        "xero_client_secret",
        "xero_webhook_key",
        "whatsapp_access_token",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "whatsapp_phone_number_id",
    }
    assert served["today"] == "2026-06-23"


def test_a_foreign_http_client_does_the_whole_oauth_and_api_flow(served: dict[str, Any]) -> None:
    creds = served["credentials"]
    query = urlencode(
        {
            "response_type": "code",
            "client_id": creds["xero_client_id"],
            "redirect_uri": "http://localhost:1/cb",
            "scope": "openid offline_access accounting.invoices accounting.settings",
            "state": "q",
        }
    )
    status, headers, _ = call(served, "GET", f"/identity/connect/authorize?{query}")
    assert status == 302
    code = parse_qs(urlsplit(headers["location"]).query)["code"][0]
    basic = base64.b64encode(
        f"{creds['xero_client_id']}:{creds['xero_client_secret']}".encode()
    ).decode()
    form = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost:1/cb"}
    ).encode()
    status, _, body = call(
        served,
        "POST",
        "/connect/token",
        form,
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    tokens = json.loads(body)
    assert status == 200
    assert tokens["expires_in"] == 1800
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    status, _, body = call(served, "GET", "/connections", headers=bearer)
    tenant = json.loads(body)[0]["tenantId"]
    api = bearer | {"xero-tenant-id": tenant, "Accept": "application/json"}
    status, headers, body = call(
        served, "GET", "/api.xro/2.0/Invoices?page=1&pageSize=10", headers=api
    )
    assert status == 200
    assert json.loads(body)["pagination"]["itemCount"] == 50
    assert headers["x-minlimit-remaining"] == "999"
    assert "x-daylimit-remaining" in headers
    new = json.dumps(
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "Over HTTP"},
                    "LineItems": [{"Description": "x", "UnitAmount": 1}],
                }
            ]
        }
    )
    status, _, body = call(
        served,
        "PUT",
        "/api.xro/2.0/Invoices",
        new.encode(),
        api | {"Content-Type": "application/json", "Idempotency-Key": "h1"},
    )
    assert status == 200
    assert json.loads(body)["Invoices"][0]["Contact"]["Name"] == "Over HTTP"


def run_cli(served: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "sandbox", *args, "--url", served["url"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_control_commands_talk_to_the_running_sandbox(served: dict[str, Any]) -> None:
    stats = run_cli(served, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "GET /identity/connect/authorize" in json.loads(stats.stdout)["calls"]
    advanced = run_cli(served, "advance", "5")
    assert advanced.returncode == 0
    assert json.loads(advanced.stdout)["offset_seconds"] >= 5
    messages = run_cli(served, "messages")
    assert json.loads(messages.stdout) == {"messages": []}
    info = run_cli(served, "info")
    assert json.loads(info.stdout)["xero"]["client_id"] == served["credentials"]["xero_client_id"]


def test_reset_fault_drops_the_connection_on_a_port(served: dict[str, Any]) -> None:
    faults = run_cli(served, "faults", "--reset-rate", "1")
    assert faults.returncode == 0
    assert json.loads(faults.stdout)["reset_rate"] == 1.0
    try:
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            call(served, "GET", "/connections")
    finally:
        run_cli(served, "faults", "--reset-rate", "0")
    status, _, _ = call(served, "GET", "/connections")
    assert status == 401


def test_unreachable_sandbox_is_a_clear_error() -> None:
    result = subprocess.run(
        [*CLI, "sandbox", "stats", "--url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 5
    assert "cannot reach the sandbox" in json.loads(result.stderr)["error"]["message"]


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Records every POST it receives (path, headers, body) and answers 200."""

    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.received.append((self.path, headers, self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_url_points_each_side_at_a_receiver_at_run_time(
    served: dict[str, Any], receiver: tuple[str, list[tuple[str, dict[str, str], bytes]]]
) -> None:
    base, received = receiver
    shown = run_cli(served, "webhook-url", "whatsapp")
    assert json.loads(shown.stdout) == {"url": None}
    done = run_cli(served, "webhook-url", "whatsapp", f"{base}/webhooks/whatsapp")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"url": f"{base}/webhooks/whatsapp"}
    body = json.dumps({"from": "+919820012345", "text": "paid yesterday"}).encode()
    status, _, _ = call(served, "POST", "/_sandbox/whatsapp/inbound", body)
    assert status == 200
    flushed = run_cli(served, "advance", "1")  # deliver what is due now
    assert flushed.returncode == 0
    [(path, headers, raw)] = [r for r in received if r[0] == "/webhooks/whatsapp"]
    assert headers["x-hub-signature-256"].startswith("sha256=")
    change = json.loads(raw)["entry"][0]["changes"][0]["value"]
    assert change["messages"][0]["text"]["body"] == "paid yesterday"
    assert path == "/webhooks/whatsapp"

    xero = run_cli(served, "webhook-url", "xero", f"{base}/webhooks/xero")
    assert json.loads(xero.stdout) == {"url": f"{base}/webhooks/xero"}
    assert json.loads(run_cli(served, "webhook-url", "xero").stdout) == {
        "url": f"{base}/webhooks/xero"
    }
    for side in ("xero", "whatsapp"):
        off = run_cli(served, "webhook-url", side, "--off")
        assert json.loads(off.stdout) == {"url": None}
    bad = run_cli(served, "webhook-url", "whatsapp", "ftp://example.com/hook")
    assert bad.returncode == 2
    assert "http:// or https://" in json.loads(bad.stderr)["error"]["message"]
    both = run_cli(served, "webhook-url", "xero", "http://x/y", "--off")
    assert both.returncode == 2


def test_the_webhook_control_routes_refuse_junk(served: dict[str, Any]) -> None:
    for path in ("/_sandbox/whatsapp/webhook", "/_sandbox/xero/webhook"):
        for body in (b'{"url": "javascript:alert(1)"}', b'{"url": 7}', b"[1]", b"{"):
            status, _, raw = call(served, "PUT", path, body)
            assert status == 400, (path, body, status)
            assert "error" in json.loads(raw)
    status, _, raw = call(served, "PUT", "/_sandbox/whatsapp/webhook", b"{}")
    assert status == 400
    assert "give 'url'" in json.loads(raw)["error"]["message"]


@pytest.mark.anyio
async def test_connections_to_the_served_sandbox_have_tcp_nodelay() -> None:
    """Issue 10 item 27: the listening socket was made with protocol 0, so asyncio never set
    TCP_NODELAY on accepted connections and each kept-alive request after the first waited for
    a delayed ACK (44 ms instead of 0.7 ms). The server ``sandbox serve`` runs is handed this
    socket exactly as uvicorn gets it."""
    import asyncio
    import socket

    from component.sandbox.serve import bind

    sock = bind("127.0.0.1", 0)
    seen: list[int] = []
    done = asyncio.Event()

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = writer.get_extra_info("socket")
        seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        done.set()
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        await asyncio.wait_for(done.wait(), 30)
        writer.close()
    assert seen == [1]


def shell(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a POSIX shell where ``xero-wa`` is this checkout's CLI."""
    python = sys.executable
    wrapper = f'xero_wa() {{ "{python}" -c "import sys; from component.cli import main; sys.exit(main())" "$@"; }}\n'
    return subprocess.run(
        ["sh", "-c", wrapper + script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_env_block_alone_points_every_command_at_the_served_sandbox(
    served: dict[str, Any],
) -> None:
    """Issue 10 item 33: the printed block lacked the sandbox URL (so ``sandbox stats`` asked
    the default port, i.e. another process) and `connect whatsapp` still wanted flags. Exported
    with eval, the block alone now reaches this sandbox and connects WhatsApp."""
    assert served["env"]["XERO_WA_SANDBOX_URL"] == served["url"]
    result = shell(
        f'eval "$(xero_wa sandbox env --url {served["url"]})"\n'
        "xero_wa connect whatsapp >/dev/null || exit 1\n"
        "xero_wa sandbox info | grep '\"base_url\"'\n"
        "xero_wa connections --json\n"
    )
    assert result.returncode == 0, result.stderr
    assert f'"base_url": "{served["url"]}"' in result.stdout
    phone_number_id = served["credentials"]["whatsapp_phone_number_id"]
    assert f'"phoneNumberId": "{phone_number_id}"' in result.stdout


def test_print_env_gives_the_block_of_a_sandbox_on_that_port_without_serving() -> None:
    from component.sandbox.config import SandboxConfig
    from component.sandbox.env_block import env_block

    result = shell(
        'eval "$(xero_wa sandbox serve --port 8799 --print-env)" || exit 1\n'
        'echo "$XERO_WA_SANDBOX_URL"; echo "$WHATSAPP_PHONE_NUMBER_ID"; echo "$XERO_API_URL"\n'
    )
    assert result.returncode == 0, result.stderr
    config = SandboxConfig()
    config.base_url = "http://127.0.0.1:8799"
    env = env_block(config)
    assert result.stdout.splitlines() == [
        "http://127.0.0.1:8799",
        env["WHATSAPP_PHONE_NUMBER_ID"],
        "http://127.0.0.1:8799/api.xro/2.0",
    ]


def test_print_env_needs_a_fixed_port() -> None:
    result = shell("xero_wa sandbox serve --port 0 --print-env")
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["details"]["fields"][0]["field"] == "--print-env"


def test_the_sandbox_and_the_oauth_redirect_listener_default_to_different_ports() -> None:
    """Both defaulted to 8765: `connect xero` could not listen beside a served sandbox."""
    from component.cli import build_parser
    from component.oauth.app import DEFAULT_REDIRECT_URI
    from component.sandbox.serve import DEFAULT_PORT

    args = build_parser().parse_args(["sandbox", "serve"])
    assert args.port == DEFAULT_PORT
    assert urlsplit(DEFAULT_REDIRECT_URI).port == 8765
    assert args.port != urlsplit(DEFAULT_REDIRECT_URI).port


def test_the_sandbox_keeps_what_survives_young_collections_out_of_the_full_ones() -> None:
    """The world and every message accepted live as long as the server: frozen once the middle
    generation's collection found them alive, so a full collection walks almost nothing (full
    collections over a growing world stalled it up to 217 ms, and 29-81 ms when they walked what
    came since the last one; the requests held meanwhile were counted as a burst: 130429s for a
    sender that kept the cap)."""
    from component.sandbox import serve

    try:
        serve.keep_collections_short()
        after_build = gc.get_freeze_count()
        accepted = [{"id": [n]} for n in range(1000)]  # messages kept by the world

        gc.collect(1)  # the young generations only

        assert gc.get_freeze_count() >= after_build + 2 * len(accepted)
        assert gc.get_objects(generation=2) == []  # nothing for a full collection to walk
    finally:
        gc.callbacks.remove(serve._freeze_survivors)
        gc.unfreeze()
