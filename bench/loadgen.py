"""A light HTTP/1.1 load generator on raw sockets, run as its own process by bench/webhooks.py.

One thread, non-blocking sockets and ``selectors``: each of C keep-alive connections sends a
prepared request, reads the whole response (Content-Length or chunked), records the latency and
sends the next. Requests (signed Xero webhook deliveries, one unique event each) are built and
signed before the clock starts, so the generator spends its time on the sockets only.

Usage (by the bench): python bench/loadgen.py HOST PORT PATH KEY COUNT CONCURRENCY
Prints one JSON object: seconds, latencies (s), accepted resource ids, statuses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import selectors
import socket
import sys
import time
import uuid
from collections import Counter

TENANT = "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10"


def delivery(resource_id: str) -> bytes:
    event = {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": "2026-07-14T09:30:00.123",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": TENANT,
        "tenantType": "ORGANISATION",
    }
    payload = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "X"}
    return json.dumps(payload, separators=(",", ":")).encode()


def request(host: str, port: int, path: str, key: str, resource_id: str) -> bytes:
    body = delivery(resource_id)
    signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"x-xero-signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def response_end(buffer: bytes) -> tuple[int, int] | None:
    """(status, bytes the whole response takes) once ``buffer`` holds it all, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])
    }
    start = end + 4
    if "content-length" in headers:
        total = start + int(headers["content-length"])
        return (status, total) if len(buffer) >= total else None
    if headers.get("transfer-encoding", "").lower() == "chunked":
        done = buffer.find(b"0\r\n\r\n", start)
        return (status, done + 5) if done >= 0 else None
    return status, start


class Lane:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.out = b""
        self.inbox = b""
        self.rid = ""
        self.started = 0.0


def main() -> None:
    host, port, path, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    count, concurrency = int(sys.argv[5]), int(sys.argv[6])
    ids = [str(uuid.uuid4()) for _ in range(count)]
    prepared = [(rid, request(host, port, path, key, rid)) for rid in ids]
    todo = iter(prepared)
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    accepted: list[str] = []
    statuses: Counter[int] = Counter()
    lanes = []
    for _ in range(min(concurrency, count)):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        lanes.append(Lane(sock))

    def send_next(lane: Lane) -> bool:
        nxt = next(todo, None)
        if nxt is None:
            selector.unregister(lane.sock)
            return False
        lane.rid, lane.out = nxt
        lane.started = time.perf_counter()
        sent = lane.sock.send(lane.out)
        lane.out = lane.out[sent:]
        selector.modify(
            lane.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if lane.out else 0), lane
        )
        return True

    started = time.perf_counter()
    active = 0
    for lane in lanes:
        selector.register(lane.sock, selectors.EVENT_READ, lane)
        if send_next(lane):
            active += 1
    while active:
        for key_, mask in selector.select():
            lane = key_.data
            if mask & selectors.EVENT_WRITE and lane.out:
                sent = lane.sock.send(lane.out)
                lane.out = lane.out[sent:]
                if not lane.out:
                    selector.modify(lane.sock, selectors.EVENT_READ, lane)
            if mask & selectors.EVENT_READ:
                chunk = lane.sock.recv(65536)
                if not chunk:
                    raise SystemExit("the server closed a connection")
                lane.inbox += chunk
                done = response_end(lane.inbox)
                if done is None:
                    continue
                status, size = done
                lane.inbox = lane.inbox[size:]
                latencies.append(time.perf_counter() - lane.started)
                statuses[status] += 1
                if status == 200:
                    accepted.append(lane.rid)
                if not send_next(lane):
                    active -= 1
    seconds = time.perf_counter() - started
    for lane in lanes:
        lane.sock.close()
    json.dump(
        {"seconds": seconds, "latencies": latencies, "accepted": accepted, "statuses": statuses},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
