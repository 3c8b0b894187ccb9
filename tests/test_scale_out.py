"""Several server processes on one PostgreSQL database behave as one server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from closecalls.cli import first_start
from closecalls.store.postgres_driver import PostgresDriver
from closecalls.store.store import Store
from closecalls.testing.postgres import ScratchDatabases
from tests.support import LiveServer

KEY = "api_scaleoutscaleoutscal00.scaleoutscaleoutscal00"
CALLS = "/api/v1/activity/call/"

pytestmark = pytest.mark.postgresql


@pytest.fixture
def database(postgres_databases: ScratchDatabases) -> Iterator[str]:
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    first, second = LiveServer(database, KEY, tmp_path), LiveServer(database, KEY, tmp_path)
    # One after the other: the first start creates the organization the second finds.
    first.start()
    try:
        second.start()
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


def page_ids(client: httpx.Client, limit: int) -> list[str]:
    """Page with `_skip += len(data)` until `has_more` is false, as Close's clients do."""
    seen: list[str] = []
    while True:
        response = client.get(CALLS, params={"_limit": limit, "_skip": len(seen), "_fields": "id"})
        page = response.json()
        seen.extend(call["id"] for call in page["data"])
        if not page["has_more"]:
            return seen


def test_calls_made_through_one_server_are_served_by_the_other(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = servers
    # Three timestamps for 150 calls: the order rests on the tie-breaker, not the time.
    stamps = [f"2026-03-0{day}T09:30:00Z" for day in (1, 2, 3)]
    created = first.parallel(
        [("POST", CALLS, {"date_created": stamps[n % 3], "duration": n}) for n in range(150)]
    )
    assert all(response.status_code == 200 for response in created)
    ids = {response.json()["id"] for response in created}

    with first.client() as one, second.client() as other:
        in_full = page_ids(one, 100)
        for limit in (7, 100):
            paged = page_ids(other, limit)
            assert paged == in_full, limit
        assert len(in_full) == len(ids) and set(in_full) == ids

        call_id = in_full[10]
        updated = other.put(f"{CALLS}{call_id}/", json={"note": "from the other server"})
        assert updated.status_code == 200
        assert one.get(f"{CALLS}{call_id}/").json() == updated.json()

        # Concurrent changes of one call through both servers: the row lock serialises them.
        changes: list[tuple[LiveServer, dict[str, Any]]] = [
            (first, {"duration": 99}), (second, {"quality_info": "q"}),
            (first, {"disposition": "busy"}), (second, {"status": "failed"}),
        ]  # fmt: skip

        def put(change: tuple[LiveServer, dict[str, Any]]) -> httpx.Response:
            with change[0].client() as client:
                return client.put(f"{CALLS}{call_id}/", json=change[1])

        with ThreadPoolExecutor(len(changes)) as threads:
            answers = list(threads.map(put, changes))
        assert all(answer.status_code == 200 for answer in answers)
        final = other.get(f"{CALLS}{call_id}/").json()
        for _, body in changes:
            assert {key: final[key] for key in body} == body

        assert one.delete(f"{CALLS}{call_id}/").json() == {}
        assert other.get(f"{CALLS}{call_id}/").status_code == 404
        assert other.delete(f"{CALLS}{call_id}/").status_code == 404
        assert page_ids(other, 13) == [id_ for id_ in in_full if id_ != call_id]


def test_workers_share_the_load_and_the_data(database: str, tmp_path: Path) -> None:
    server = LiveServer(database, KEY, tmp_path, workers=2)
    server.start()
    try:
        created = server.parallel([("POST", CALLS, {"duration": n}) for n in range(200)])
        assert all(response.status_code == 200 for response in created)
        fetched = server.parallel(
            [("GET", f"{CALLS}{response.json()['id']}/", None) for response in created]
        )
        assert [response.json() for response in fetched] == [r.json() for r in created]
        with server.client() as client:
            assert len(page_ids(client, 100)) == 200
        assert asyncio.run(_server_processes(database)) == 2
    finally:
        server.stop()


async def _server_processes(url: str) -> int:
    """Server processes holding connections, by the pid in their application name."""
    connection = await asyncpg.connect(url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'closecalls %' "
                "AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await connection.close()


async def test_servers_starting_at_once_on_an_empty_database_make_one_organization(
    database: str,
) -> None:
    stores = [Store(PostgresDriver(database, pool_size=1)) for _ in range(4)]
    for store in stores:
        await store.open()
    try:
        started = await asyncio.gather(*(first_start(store, KEY) for store in stores))
    finally:
        for store in stores:
            await store.close()
    assert len({result.organization.id for result in started}) == 1
    assert [result.created for result in started].count(True) == 1
