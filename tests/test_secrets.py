"""No secret in a full session's log, and API keys stored only hashed, on both backends."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Any

from closecalls.store import sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.testing.postgres import each_tenant
from tests.support import UNLIMITED, LiveServer
from tests.webhook_receiver import Receiver, webhook_receiver
from tests.webhooks.test_live_delivery import FAST, subscribe

KEY = "api_secretsecretsecretsec0.secretsecretsecretsec0"
WRONG_KEY = "api_secretsecretsecretsec0.guessguessguessguess00"
CALLS = "/api/v1/activity/call/"


def run_session(server: LiveServer, receiver: Receiver) -> list[str]:
    """Creates, errors, auth failures and webhooks; the secrets the session handled."""
    admin_token = re.findall(r"admin token: (\S+)", server.output.read_text())[-1]
    subscription = subscribe(server, receiver)
    with server.client() as client:
        for n in range(5):
            assert client.post(CALLS, json={"duration": n}).status_code == 200
        assert client.post(CALLS, json={"direction": "sideways"}).status_code == 400
        assert client.get(f"{CALLS}acti_missing/").status_code == 404
        bad = client.post(CALLS, content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400
        assert client.get(
            "/_closecalls/journal", headers={"authorization": "Bearer nope"}
        ).status_code in (401, 403, 404)
    for key in (WRONG_KEY, "api_nobody.nothing", admin_token):
        with server.client() as stranger:
            stranger.auth = (key, "")
            assert stranger.get(CALLS).status_code == 401
    return [KEY, KEY.split(".")[1], admin_token, subscription["signature_key"], WRONG_KEY,
            WRONG_KEY.split(".")[1], base64.b64encode(f"{KEY}:".encode()).decode()]  # fmt: skip


def test_no_secret_reaches_the_log_and_keys_are_hashed_at_rest(
    database_url: str, tmp_path: Path
) -> None:
    environment = {**UNLIMITED, **FAST}
    server = LiveServer(
        database_url, KEY, tmp_path, environment=environment, arguments=("--admin",)
    )
    with webhook_receiver() as receiver:
        refused: set[str] = set()

        def first_refused(delivery: dict[str, Any]) -> int:
            # Failed deliveries are logged: refuse each event's first attempt.
            event = delivery["event"]["id"]
            if event in refused:
                return 200
            refused.add(event)
            return 503

        receiver.answer = first_refused
        server.start()
        try:
            secrets = run_session(server, receiver)
            receiver.wait_for(lambda r: len(r.delivered_event_ids()) >= 5)
        finally:
            server.stop()
    log = server.output.read_text()
    # The first start prints the new key and the admin token once, on their own lines:
    # that is how the operator learns them. Nothing else may carry a secret.
    banner = [line for line in log.splitlines() if "API key:" in line or "admin token:" in line]
    assert len(banner) == 2
    rest = "\n".join(line for line in log.splitlines() if line not in banner)
    assert rest.strip(), "the session logged nothing at all"
    for secret in secrets:
        assert secret not in rest, secret
    stored = stored_credentials(database_url)
    assert stored, "no credential rows found"
    assert hashlib.sha256(KEY.encode()).digest() in [bytes(row["secret_hash"]) for row in stored]
    for row in stored:
        for value in row.values():
            assert KEY.split(".")[1] not in str(value)
    if not is_postgres_url(database_url):
        files = [Path(sqlite_path(database_url))]
        files += [Path(f"{files[0]}-wal")] * Path(f"{files[0]}-wal").exists()
        for file in files:
            assert KEY.split(".")[1].encode() not in file.read_bytes()


def stored_credentials(database: str) -> list[dict[str, Any]]:
    """Every credential row, read straight from the database."""
    if is_postgres_url(database):
        return asyncio.run(_postgres_credentials(database))
    with sqlite3.connect(sqlite_path(database)) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM credential")]


async def _postgres_credentials(url: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        async for _, connection in each_tenant(url)
        for row in await connection.fetch("SELECT * FROM credential")
    ]
