"""SIGTERM under load: in-flight requests are answered, writes kept, no webhook sent twice."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.support import UNLIMITED, LiveServer
from tests.webhook_receiver import webhook_receiver
from tests.webhooks.test_live_delivery import FAST, created_event_ids, subscribe

KEY = "api_shutdownshutdownshut00.shutdownshutdownshut00"
CALLS = "/api/v1/activity/call/"
# A request whose bytes left the client this long before the signal has reached the server.
IN_FLIGHT_MARGIN = 0.05


def _write_until_refused(server: LiveServer, outcomes: list[tuple[float, object]]) -> None:
    """Create calls on one keep-alive connection until the server stops answering."""
    with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=30) as client:
        while True:
            sent = time.monotonic()
            try:
                answer = client.post(CALLS, json={"direction": "outbound", "duration": 5})
            except httpx.TransportError as error:
                outcomes.append((sent, error))
                return
            outcomes.append((sent, answer.json() if answer.status_code == 200 else answer))


def test_sigterm_under_load_answers_in_flight_writes_and_delivers_once(
    database_url: str, tmp_path: Path
) -> None:
    server = LiveServer(database_url, KEY, tmp_path, environment={**UNLIMITED, **FAST})
    with webhook_receiver() as receiver:
        receiver.delay = 0.2  # deliveries are in flight when the signal comes
        server.start()
        subscribe(server, receiver)
        outcomes: list[list[tuple[float, object]]] = [[] for _ in range(6)]
        writers = [
            threading.Thread(target=_write_until_refused, args=(server, mine)) for mine in outcomes
        ]
        for writer in writers:
            writer.start()
        time.sleep(1.0)
        receiver.wait_for(lambda r: len(r.deliveries) >= 1)
        signalled = time.monotonic()
        # uvicorn shuts down, then raises the signal it caught again: it exits by SIGTERM.
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
        for writer in writers:
            writer.join(timeout=30)

        answered = [o for mine in outcomes for sent, o in mine if isinstance(o, dict)]
        before = [o for mine in outcomes for sent, o in mine if sent < signalled - IN_FLIGHT_MARGIN]
        assert answered and len(before) > 20
        # Everything sent before the signal got an answer, and every answer was a 200.
        assert all(isinstance(o, dict) for o in before), [
            o for o in before if not isinstance(o, dict)
        ]
        assert not [o for mine in outcomes for _, o in mine if isinstance(o, httpx.Response)]

        server.start()
        try:
            with server.client() as client:
                for call in answered:
                    assert client.get(f"{CALLS}{call['id']}/").json() == call
            wanted = created_event_ids(server)
            assert len(wanted) >= len(answered)
            receiver.wait_for(lambda r: r.delivered_event_ids() >= wanted, timeout=60)
            time.sleep(0.5)  # a second delivery of anything would arrive by now
        finally:
            server.stop()
    delivered = Counter(d.body["event"]["id"] for d in receiver.deliveries if d.answered < 300)
    assert not {event: n for event, n in delivered.items() if n > 1}
    assert set(delivered) == wanted
