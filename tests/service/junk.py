"""Hand-made junk for every route of ``xero-wa serve``: what schemathesis does not generate.

Shared by the fuzz test (tests/service/test_openapi_schemathesis.py) and the latency bench
(bench/service_fuzz.py). Each body is something a broken client, a scanner or an attacker sends:
bytes that are not UTF-8, JSON that is too deep or has numbers no parser should build, text that
is not text, forms and multipart where JSON is expected, and bodies at and over the size limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

#: A key of each kind that exists, to fill path parameters.
PATH_VALUES = {"key": "listInvoices"}


def _nested(depth: int) -> bytes:
    return b'{"inputs": ' + b"[" * depth + b"]" * depth + b"}"


JUNK_BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "application/json"),
    ("null", b"null", "application/json"),
    ("array", b"[]", "application/json"),
    ("string", b'"x"', "application/json"),
    ("not utf-8", b"\xff\xfe\x00junk", "application/json"),
    ("truncated", b'{"inputs": {"a": [1, 2', "application/json"),
    ("deep 100k", b"[" * 100_000, "application/json"),
    ("deep 70 inside inputs", _nested(70), "application/json"),
    ("5000-digit integer", b'{"inputs": {"page": ' + b"9" * 5000 + b"}}", "application/json"),
    ("NaN", b'{"inputs": {"page": NaN}}', "application/json"),
    ("1e999", b'{"inputs": {"page": 1e999}}', "application/json"),
    (
        "lone surrogate",
        json.dumps({"inputs": {"invoiceId": "\ud800"}}).encode(),
        "application/json",
    ),
    ("surrogate key", json.dumps({"\udc00": 1}).encode(), "application/json"),
    ("wrong shapes", b'{"inputs": [], "connection": 5, "extra": true}', "application/json"),
    (
        "xero events junk",
        b'{"events": [1, "x", {"tenantId": []}], "entropy": 5}',
        "application/json",
    ),
    (
        "whatsapp entry junk",
        b'{"entry": [{"changes": [{"value": {"statuses": [{"id": "w", "status": "read",'
        b' "timestamp": "soon"}], "messages": [{"from": "nobody", "type": "text",'
        b' "text": {"body": "STOP"}}]}}]}]}',
        "application/json",
    ),
    ("form", b"a=1&b=%ff%fe&c", "application/x-www-form-urlencoded"),
    ("multipart without boundary", b"--x\r\n\r\n", "multipart/form-data"),
    ("xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'a'>]><x>&a;</x>", "application/xml"),
    ("900 KB string", b'{"inputs": {"invoiceId": "' + b"a" * 900_000 + b'"}}', "application/json"),
    ("2 MB", b"{" + b" " * 2_000_000 + b"}", "application/json"),
]


@dataclass(frozen=True)
class Target:
    method: str
    path: str


def targets(app: Starlette) -> Iterator[Target]:
    """Every route of the app with its path parameters filled, under every method it takes
    (plus one it does not, which must be a 405, not a crash)."""
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        path = route.path
        for name, value in PATH_VALUES.items():
            path = path.replace("{" + name + "}", value)
        path = path.replace("{", "").replace("}", "")
        methods = sorted((route.methods or {"GET"}) - {"HEAD"})
        for method in [*methods, "PUT"]:
            yield Target(method, path)
