"""OAuth across two server processes on one PostgreSQL database: one code, one winner."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from closecalls.cli import main
from closecalls.testing.postgres import ScratchDatabases
from tests.support import LiveServer

KEY = "api_oauthscaleoutoauthsc00.oauthscaleoutoauthsc00"
CALLBACK = "https://dialer.example/cb"

pytestmark = pytest.mark.postgresql


@pytest.fixture
def servers(
    postgres_databases: ScratchDatabases, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    database = postgres_databases.create()
    first, second = LiveServer(database, KEY, tmp_path), LiveServer(database, KEY, tmp_path)
    first.start()
    try:
        second.start()
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()
        postgres_databases.drop(database)


def test_a_code_is_spent_once_and_a_revocation_reaches_every_process(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = servers
    made = CliRunner().invoke(main, [
        "apps", "create", "--name", "Dialer", "--redirect-uri", CALLBACK,
        "--database", first.database,
    ])  # fmt: skip
    assert made.exit_code == 0, made.output
    app = json.loads(made.output)
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}

    def new_code() -> str:
        with first.client() as browser:
            decision = browser.post("/oauth2/authorize/decision/", json={
                "client_id": app["client_id"], "response_type": "code", "allow": True,
            })  # fmt: skip
        return httpx.URL(decision.json()["redirect_to"]).params["code"]

    def exchange(server: LiveServer, code: str) -> httpx.Response:
        form = {**credentials, "grant_type": "authorization_code", "code": code}
        return httpx.post(server.url + "/oauth2/token/", data=form, timeout=30)

    # The same code presented to both processes at once: exactly one exchange wins, and the
    # other is a reuse, which revokes what the code bought (RFC 6749 §4.1.2).
    raced = new_code()
    with ThreadPoolExecutor(2) as threads:
        answers = list(threads.map(exchange, (first, second), (raced, raced)))
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    won = next(answer.json() for answer in answers if answer.status_code == 200)
    stale = {"authorization": f"Bearer {won['access_token']}"}
    assert httpx.get(first.url + "/api/v1/me/", headers=stale).status_code == 401

    token = exchange(first, new_code()).json()
    bearer = {"authorization": f"Bearer {token['access_token']}"}
    for server in (first, second):
        assert httpx.get(server.url + "/api/v1/me/", headers=bearer).status_code == 200
    revoked = httpx.post(
        second.url + "/oauth2/revoke/", data={**credentials, "token": token["refresh_token"]}
    )
    assert revoked.status_code == 200
    time.sleep(1.05)
    assert httpx.get(first.url + "/api/v1/me/", headers=bearer).status_code == 401
