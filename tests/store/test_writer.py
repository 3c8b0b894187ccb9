"""The group-commit writer on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from closecalls.store.writer import GroupCommitWriter


@pytest.fixture
def writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "w.db"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    writer = GroupCommitWriter(connect)
    writer.start()
    yield writer, path
    writer.stop()


def count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])


async def test_concurrent_writes_share_commits(writer) -> None:  # type: ignore[no-untyped-def]
    w, path = writer

    def insert(n: int):  # type: ignore[no-untyped-def]
        return lambda connection: connection.execute("INSERT INTO t VALUES (?)", (n,)).lastrowid

    results = await asyncio.gather(*(w.submit(insert(n)) for n in range(1, 401)))
    assert results == list(range(1, 401))
    assert count(path) == 400
    assert w.jobs == 400
    assert w.commits < 400


async def test_a_failing_write_rolls_back_alone(writer) -> None:  # type: ignore[no-untyped-def]
    w, path = writer

    def good(n: int):  # type: ignore[no-untyped-def]
        return lambda connection: connection.execute("INSERT INTO t VALUES (?)", (n,))

    def bad(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES (1000)")
        raise ValueError("refused after writing")

    outcomes = await asyncio.gather(
        w.submit(good(1)), w.submit(bad), w.submit(good(2)), return_exceptions=True
    )
    assert isinstance(outcomes[1], ValueError)
    assert not isinstance(outcomes[0], Exception) and not isinstance(outcomes[2], Exception)
    with sqlite3.connect(path) as connection:
        assert [row[0] for row in connection.execute("SELECT n FROM t ORDER BY n")] == [1, 2]


async def test_an_answered_write_is_already_committed(writer) -> None:  # type: ignore[no-untyped-def]
    w, path = writer
    await w.submit(lambda connection: connection.execute("INSERT INTO t VALUES (7)"))
    assert count(path) == 1


def test_stop_finishes_queued_work(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    w = GroupCommitWriter(
        lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    )
    w.start()
    assert (
        w.submit_sync(lambda connection: connection.execute("INSERT INTO t VALUES (1)").rowcount)
        == 1
    )
    w.stop()
    assert count(path) == 1


def test_a_writer_that_cannot_connect_says_so(tmp_path: Path) -> None:
    def broken() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    with pytest.raises(sqlite3.OperationalError):
        GroupCommitWriter(broken).start()
