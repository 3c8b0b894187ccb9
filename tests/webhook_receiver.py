"""A real HTTP server that receives webhooks and checks each signature as Close's docs say."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def close_signature_is_valid(key: str, timestamp: str, payload: str, signature: str) -> bool:
    """The check Close documents for receivers, written from its docs, not from our code."""
    data = timestamp + payload
    expected = hmac.new(bytearray.fromhex(key), data.encode("utf-8"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass
class Delivery:
    """One POST as received."""

    body: dict[str, Any]
    headers: dict[str, str]
    signature_valid: bool
    answered: int


@dataclass
class Receiver:
    """What the server received; `answer(delivery_body) -> status` decides each reply."""

    keys: dict[str, str] = field(default_factory=dict)
    answer: Callable[[dict[str, Any]], int] = lambda _: 200
    delay: float = 0.0
    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    # Requests that have arrived, answered or not yet (in flight while `delay` runs).
    arrived: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered_event_ids(self) -> set[str]:
        """Events whose delivery was answered 2xx."""
        with self.lock:
            return {d.body["event"]["id"] for d in self.deliveries if d.answered < 300}

    def wait_for(self, wanted: Callable[[Receiver], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted(self):
                return
            time.sleep(0.05)
        raise AssertionError(f"receiver timed out; got {len(self.deliveries)} deliveries")


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A receiver on a free loopback port, for as long as the block runs."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            payload = raw.decode("utf-8")
            body = json.loads(payload)
            key = receiver.keys.get(body.get("subscription_id", ""), "")
            valid = bool(key) and close_signature_is_valid(
                key, self.headers.get("close-sig-timestamp", ""), payload,
                self.headers.get("close-sig-hash", ""),
            )  # fmt: skip
            with receiver.lock:
                receiver.arrived += 1
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.answer(body) if valid else 401
            with receiver.lock:
                receiver.deliveries.append(Delivery(body, dict(self.headers), valid, status))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # Deliveries arrive dozens at once; the default backlog of 5 would refuse some.
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
