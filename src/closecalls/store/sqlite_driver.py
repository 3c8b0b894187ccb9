"""The SQLite driver: WAL, one group-committing writer thread, reads on their own connection."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from closecalls.store.events import EventRow
from closecalls.store.events_sql import INSERT_EVENT, event_values
from closecalls.store.migrations import Migration, load_migrations
from closecalls.store.rows import ActivityRow
from closecalls.store.sql import INSERT_ACTIVITY, SQLITE
from closecalls.store.transaction import (
    COUNT,
    MANY,
    ROW,
    ROWS,
    VALUE,
    Scope,
    Statement,
    Transaction,
    one,
    opened,
)
from closecalls.store.unavailable import SQLITE_BUSY_SECONDS
from closecalls.store.writer import GroupCommitWriter

T = TypeVar("T")
P = ParamSpec("P")
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def run_sync(connection: sqlite3.Connection, transaction: Transaction[T]) -> T:
    """Drive a transaction to its end on one connection, inside the caller's transaction."""
    send: Any = None
    try:
        while True:
            statement = transaction.send(send)
            send = _execute(connection, statement)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _execute(connection: sqlite3.Connection, statement: Statement) -> Any:
    sql, args, returns, _ = statement
    if returns <= VALUE:
        cursor = connection.execute(sql, args)
        if returns == ROWS:
            return cursor.fetchall()
        found = cursor.fetchone()
        if returns == ROW or found is None:
            return found
        return found[0]
    if returns == COUNT:
        return connection.execute(sql, args).rowcount
    if returns == MANY:
        connection.executemany(sql, args)
    return None  # ACT_FOR: one file, one organization filter in every statement


class SQLiteDriver:
    """Runs transactions on one SQLite file; this process must be the file's only writer."""

    dialect = SQLITE

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self.writer = GroupCommitWriter(self._connect_writer)
        self._reader: sqlite3.Connection | None = None
        self.applied: list[Migration] = []

    async def open(self) -> None:
        self.open_sync()

    async def close(self) -> None:
        self.close_sync()

    def open_sync(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer.start()
        self.applied = self.writer.submit_sync(_migrate)
        self._reader = self.connect(readonly=True)

    def close_sync(self) -> None:
        self.writer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def connect(self, *, readonly: bool) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=SQLITE_BUSY_SECONDS
        )
        connection.execute("PRAGMA foreign_keys = ON")
        # 64 MiB of page cache for the writer: index pages stay hot for writes. A reader's
        # pages come from the OS's cache when not in its own, so its own is kept at 32 MiB
        # and it maps no memory: both count in the server's resident memory (issue 22's
        # target: < 150 MB with the writer's cache full). A 256 MiB map took a 200,000-call
        # file's peak RSS from 80 to 150 MiB; 32 MiB instead of 64 took a 10-million-call
        # file's from 130 to 96 MiB, at no CPU cost measured.
        connection.execute(f"PRAGMA cache_size = {-32768 if readonly else -65536}")
        if readonly:
            connection.execute("PRAGMA query_only = ON")
        return connection

    def _connect_writer(self) -> sqlite3.Connection:
        connection = self.connect(readonly=False)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    @property
    def writer_alive(self) -> bool:
        return self.writer.alive

    def observe_commits(self, observer: Callable[[int, float], None]) -> None:
        """Tell `observer` each commit's batch size and seconds (for metrics)."""
        self.writer.on_commit = observer

    @property
    def reader(self) -> sqlite3.Connection:
        return opened(self._reader)

    async def read(
        self, scope: Scope, body: Callable[P, Transaction[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if body is one:  # a single statement needs no generator
            return _execute(self.reader, args[0])  # type: ignore[arg-type, no-any-return]
        return run_sync(self.reader, body(*args, **kwargs))

    async def write(
        self, scope: Scope, body: Callable[P, Transaction[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if body is one:
            statement: Statement = args[0]  # type: ignore[assignment]
            result: T = await self.writer.submit(lambda connection: _execute(connection, statement))
            return result
        # A fresh generator per run: the writer replays a batch when one of its jobs fails.
        return await self.writer.submit(
            lambda connection: run_sync(connection, body(*args, **kwargs))
        )

    async def stream(
        self, scope: Scope, sql: str, args: Sequence[Any], *, batch: int
    ) -> AsyncIterator[list[Any]]:
        # A connection of its own: a long read must not hold the shared reader's cursor.
        connection = self.connect(readonly=True)
        try:
            cursor = connection.execute(sql, args)
            while found := cursor.fetchmany(batch):
                yield found
        finally:
            connection.close()

    async def idle(self, statement: Statement) -> bool:
        # An idle poll asks the reader, not the writer that creates queue behind.
        return self.reader.execute(statement.sql, statement.args).fetchone() is None

    def insert_activity_at_once(
        self, row: ActivityRow, events: Sequence[EventRow]
    ) -> Awaitable[None] | None:
        # The create is the hot path: its two inserts run straight in the writer, without a
        # transaction generator, scope and statements (5-8 % of a create's CPU).
        columns = (row.id, row.organization_id, row.type, row.lead_id, row.contact_id,
                   row.user_id, row.date_created, row.activity_at, row.document)  # fmt: skip
        rows = [event_values(event) for event in events]

        def insert(connection: sqlite3.Connection) -> None:
            connection.execute(INSERT_ACTIVITY, columns)
            for event in rows:
                connection.execute(INSERT_EVENT, event)

        return self.writer.submit(insert)


def _migrate(connection: sqlite3.Connection) -> list[Migration]:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in connection.execute("SELECT version FROM schema_migration")}
    applied = []
    for migration in load_migrations("sqlite"):
        if migration.version in done:
            continue
        for statement in _statements(migration.sql):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )
        applied.append(migration)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [statement for statement in statements if statement]
