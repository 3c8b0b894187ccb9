"""Real servers deliver to a real receiver: through a hard kill mid-queue, and from a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support import LiveServer
from tests.webhook_receiver import Receiver, webhook_receiver

KEY = "api_webhookswebhookswebho.webhookswebhookswebho"
CALLS = "/api/v1/activity/call/"
# Loopback receivers, and retries compressed from minutes to fractions of a second.
FAST = {
    "CLOSECALLS_WEBHOOK_ALLOW_PRIVATE": "true",
    "CLOSECALLS_WEBHOOK_TIMEOUT_SECONDS": "1",
    "CLOSECALLS_WEBHOOK_RETRY_BASE_SECONDS": "0.1",
    "CLOSECALLS_WEBHOOK_RETRY_CAP_SECONDS": "0.5",
    "CLOSECALLS_WEBHOOK_POLL_SECONDS": "0.05",
}


def subscribe(server: LiveServer, receiver: Receiver) -> dict[str, Any]:
    with server.client() as http:
        response = http.post("/api/v1/webhook/", json={
            "url": receiver.url, "events": [{"object_type": "activity.call", "action": "created"}],
        })  # fmt: skip
    assert response.status_code == 201, response.text
    subscription: dict[str, Any] = response.json()
    receiver.keys[subscription["id"]] = subscription["signature_key"]
    return subscription


def created_event_ids(server: LiveServer) -> set[str]:
    """Every `created` call event in the log, by following its cursors."""
    found: set[str] = set()
    params: dict[str, str] = {"object_type": "activity.call", "action": "created"}
    with server.client() as http:
        while True:
            page = http.get("/api/v1/event/", params=params).json()
            found |= {event["id"] for event in page["data"]}
            if not page["cursor_next"]:
                return found
            params["_cursor"] = page["cursor_next"]


def test_every_event_arrives_after_a_hard_kill_mid_queue(database_url: str, tmp_path: Path) -> None:
    server = LiveServer(database_url, KEY, tmp_path, environment=FAST)
    with webhook_receiver() as receiver:
        healthy = False
        receiver.delay = 0.3  # deliveries are in flight when the server dies
        receiver.answer = lambda _: 200 if healthy else 503
        server.start()
        try:
            subscribe(server, receiver)
            answers = server.parallel([("POST", CALLS, {"duration": n}) for n in range(30)], 8)
            assert {response.status_code for response in answers} == {200}
            receiver.wait_for(lambda r: len(r.deliveries) >= 1)
        finally:
            server.stop(signal.SIGKILL)
        healthy, receiver.delay = True, 0.0
        server.start()
        try:
            wanted = created_event_ids(server)
            assert len(wanted) == 30
            receiver.wait_for(lambda r: r.delivered_event_ids() >= wanted, timeout=60)
        finally:
            server.stop()
    assert all(delivery.signature_valid for delivery in receiver.deliveries)
    assert any(delivery.answered == 503 for delivery in receiver.deliveries)


def test_a_worker_delivers_for_servers_that_do_not(database_url: str, tmp_path: Path) -> None:
    quiet = {**FAST, "CLOSECALLS_DELIVER_WEBHOOKS": "false"}
    server = LiveServer(database_url, KEY, tmp_path, environment=quiet)
    with webhook_receiver() as receiver:
        server.start()
        try:
            subscribe(server, receiver)
            for n in range(5):
                with server.client() as http:
                    assert http.post(CALLS, json={"duration": n}).status_code == 200
            time.sleep(0.5)
            assert receiver.deliveries == []
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSECALLS_")}
            env.update(FAST)
            worker = subprocess.Popen(
                [sys.executable, "-m", "closecalls", "worker", "--database", database_url],
                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                receiver.wait_for(lambda r: len(r.delivered_event_ids()) == 5)
            finally:
                worker.send_signal(signal.SIGTERM)
                output = worker.communicate(timeout=20)[0].decode()
            assert worker.returncode == 0, output
            assert "delivering webhooks" in output
        finally:
            server.stop()
    assert all(delivery.signature_valid for delivery in receiver.deliveries)
