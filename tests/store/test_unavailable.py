"""A database or Redis out of reach while serving: 503 with Retry-After, then recovery."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from closecalls import accounts
from closecalls.app import build_app
from closecalls.settings import Settings
from closecalls.store import sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.store.unavailable import RETRY_AFTER_SECONDS, SQLITE_BUSY_SECONDS
from tests.conftest import client_for

CALLS = "/api/v1/activity/call/"
UNAVAILABLE = {"error": "Service temporarily unavailable. Please try again later."}


class TcpProxy:
    """A real TCP hop to a server that the test can cut (all connections reset, new ones
    refused) and restore on the same port: the network between us and a database."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        self._writers -= {writer, upstream_writer}


def through(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{proxy.port}"))


async def proxied(url: str) -> TcpProxy:
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    return proxy


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A started app and a client with a new organization's key."""
    app = build_app(settings)
    await app.startup()
    try:
        tenant = await accounts.create_organization(
            app.services.store, name="Acme", clock=app.services.clock, ids=app.services.ids
        )
        async with client_for(app, tenant.api_key) as client:
            yield client
    finally:
        await app.shutdown()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)


async def test_a_sqlite_file_locked_by_another_process_is_a_503_after_a_bounded_wait(
    settings: Settings, database_url: str
) -> None:
    if is_postgres_url(database_url):
        pytest.skip("a SQLite file's lock; PostgreSQL's faults are the proxy tests below")
    async with serving(settings.replace(rate_limits=False)) as client:
        assert (await client.post(CALLS, json={"duration": 1})).status_code == 200
        other = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            refused = await client.post(CALLS, json={"duration": 2})
            waited = time.monotonic() - started
            # Reads go on: WAL readers do not wait for the writer's lock.
            assert (await client.get(CALLS)).status_code == 200
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert_unavailable(refused)
        assert SQLITE_BUSY_SECONDS - 0.5 <= waited < SQLITE_BUSY_SECONDS + 20
        assert (await client.post(CALLS, json={"duration": 3})).status_code == 200
        listed = (await client.get(CALLS)).json()["data"]
    assert sorted(call["duration"] for call in listed) == [1, 3]


async def test_postgresql_going_away_while_serving_is_a_503_then_recovers(
    settings: Settings, database_url: str
) -> None:
    if not is_postgres_url(database_url):
        pytest.skip("PostgreSQL's network; a SQLite file's faults are the test above")
    proxy = await proxied(database_url)
    try:
        cut_off = settings.replace(database=through(database_url, proxy), rate_limits=False)
        async with serving(cut_off) as client:
            assert (await client.post(CALLS, json={"duration": 1})).status_code == 200
            await proxy.cut()
            started = time.monotonic()
            answers = [await client.post(CALLS, json={"duration": 2}),
                       await client.get(CALLS), await client.get(CALLS + "acti_x/")]  # fmt: skip
            assert time.monotonic() - started < 30
            for answer in answers:
                assert_unavailable(answer)
            await proxy.start()
            assert (await client.post(CALLS, json={"duration": 3})).status_code == 200
            listed = (await client.get(CALLS)).json()["data"]
    finally:
        with contextlib.suppress(Exception):
            await proxy.cut()
    assert sorted(call["duration"] for call in listed) == [1, 3]


async def test_redis_going_away_while_serving_is_a_503_then_recovers(
    settings: Settings, redis_url: str
) -> None:
    proxy = await proxied(redis_url)
    try:
        async with serving(settings.replace(redis=through(redis_url, proxy))) as client:
            assert (await client.get(CALLS)).status_code == 200
            await proxy.cut()
            started = time.monotonic()
            refused = await client.get(CALLS)
            assert time.monotonic() - started < 30
            assert_unavailable(refused)
            await proxy.start()
            back = await client.get(CALLS)
            assert back.status_code == 200
            assert "ratelimit" in back.headers
    finally:
        with contextlib.suppress(Exception):
            await proxy.cut()
