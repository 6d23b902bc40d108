"""CLI test support: a free local port and a scripted browser."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Browser:
    """Stands in for the user's browser: follows Xero's consent straight back to the callback."""

    def __init__(self, *, forged_first: bool = False, error: str | None = None) -> None:
        self.opened: list[str] = []
        self.statuses: list[int] = []
        self.failures: list[BaseException] = []
        self.forged_first = forged_first
        self.error = error

    def open(self, url: str) -> bool:
        self.opened.append(url)
        threading.Thread(target=self._visit, args=(url,), daemon=True).start()
        return True

    def _visit(self, url: str) -> None:
        query = dict(parse_qsl(urlsplit(url).query))
        back = {"error": self.error} if self.error else {"code": "the-code"}
        try:
            if self.forged_first:
                self._get(f"{query['redirect_uri']}?{urlencode({'code': 'x', 'state': 'forged'})}")
            self._get(f"{query['redirect_uri']}?{urlencode({**back, 'state': query['state']})}")
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.failures.append(exc)

    def _get(self, target: str) -> None:
        try:
            with urllib.request.urlopen(target, timeout=10) as answer:  # noqa: S310 - localhost
                self.statuses.append(answer.status)
        except urllib.error.HTTPError as exc:
            self.statuses.append(exc.code)
