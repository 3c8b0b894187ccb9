"""Rate limits on real servers: shared across processes, and real clients backing off."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import closeio_api
import httpx
import pytest

from closecalls.testing.postgres import ScratchDatabases
from tests.support import LiveServer

KEY = "api_ratelimitratelimitrat00.ratelimitratelimitrat00"
CALLS = "/api/v1/activity/call/"


@pytest.fixture
def database(postgres_databases: ScratchDatabases) -> Iterator[str]:
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)


def new_key(database: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "closecalls", "keys", "create", "--database", database],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.postgresql
@pytest.mark.parametrize("shared_in", ["database", "redis"])
def test_key_and_organization_limits_hold_across_two_processes(
    shared_in: str, database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # 5 per key and 15 per organization in an hour: nothing refills during the test.
    environment = {"CLOSECALLS_RATE_LIMIT": "5", "CLOSECALLS_RATE_LIMIT_WINDOW": "3600"}
    if shared_in == "redis":
        environment["CLOSECALLS_REDIS"] = request.getfixturevalue("redis_url")
    first = LiveServer(database, KEY, tmp_path, environment=environment)
    second = LiveServer(database, KEY, tmp_path, environment=environment)
    first.start()
    try:
        second.start()
        try:
            keys = [KEY] + [new_key(database) for _ in range(3)]
            statuses: dict[str, list[int]] = {key: [] for key in keys}
            # Every key alternates between the two processes, 8 requests each.
            for _ in range(4):
                for key in keys:
                    for server in (first, second):
                        answer = httpx.get(server.url + CALLS, auth=(key, ""), timeout=30)
                        statuses[key].append(answer.status_code)
        finally:
            second.stop()
    finally:
        first.stop()
    allowed = {key: codes.count(200) for key, codes in statuses.items()}
    assert set().union(*map(set, statuses.values())) == {200, 429}
    # Two rounds of 8 pass but the 16th request: the organization's 15 are spent across both
    # processes (each saw only 8 pass), while no key reached its own 5.
    assert sum(allowed.values()) == 15
    assert sorted(allowed.values()) == [3, 4, 4, 4]
    assert statuses[keys[3]] == [200, 200, 200, 429, 429, 429, 429, 429]


def test_the_closeio_client_backs_off_and_every_request_succeeds(tmp_path: Path) -> None:
    environment = {"CLOSECALLS_RATE_LIMIT": "2", "CLOSECALLS_RATE_LIMIT_WINDOW": "1"}
    server = LiveServer(f"sqlite:///{tmp_path / 'limits.db'}", KEY, tmp_path,
                        environment=environment)  # fmt: skip
    server.start()
    try:
        api = closeio_api.API(server.api_url, api_key=KEY)
        seen: list[int] = []
        api.session.hooks["response"].append(
            lambda response, **_: seen.append(response.status_code)
        )
        started = time.monotonic()
        created = [api.post("activity/call", data={"duration": n}) for n in range(6)]
        fetched: list[dict[str, Any]] = [api.get(f"activity/call/{c['id']}") for c in created]
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert [call["duration"] for call in fetched] == list(range(6))
    assert seen.count(200) == 12
    # It met 429s, slept the announced reset and retried, and nothing was created twice.
    assert seen.count(429) >= 2
    assert elapsed >= 2.0
    assert len({call["id"] for call in created}) == 6
