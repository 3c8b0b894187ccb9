"""The PostgreSQL driver: asyncpg with a pool, each transaction scoped by row-level security."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeAlias, TypeVar

import asyncpg

from closecalls.store import transaction as tx
from closecalls.store.events import EventRow
from closecalls.store.migrations import Migration, load_migrations
from closecalls.store.rows import ActivityRow
from closecalls.store.sql import ACTIVITY_COLUMNS, POSTGRES, numbered
from closecalls.store.transaction import Scope, Statement, Transaction, opened

log = logging.getLogger("closecalls")
T = TypeVar("T")
P = ParamSpec("P")

# What the row-level security policies read (migrations/postgresql/0001_initial.sql, 0004).
TENANT = "closecalls.organization_id"
CREDENTIAL_LOOKUP = "closecalls.credential_lookup"
DIRECTORY = "closecalls.directory"
DELIVERER = "closecalls.deliverer"

# Fixed 64-bit keys of the advisory locks processes take to migrate and to bootstrap.
MIGRATION_LOCK = 0x636C6F7365  # "close"
BOOTSTRAP_LOCK = MIGRATION_LOCK + 1

if TYPE_CHECKING:
    Connection: TypeAlias = (
        asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
    )

# A page is read in order straight off an index, as on SQLite, whatever the statistics
# say: a table fresh from a bulk load has none, and the planner, expecting a handful of
# rows, would otherwise sort every row of the organization to find the first hundred.
READ_OFF_AN_INDEX = {"enable_seqscan": "off", "enable_bitmapscan": "off"}

SESSION_SETTINGS = {
    # Which process holds a connection, for pg_stat_activity readers.
    "application_name": f"closecalls {os.getpid()}",
    # _begin() writes literals, which are exact only with standard strings.
    "standard_conforming_strings": "on",
}

# A create, the hottest write, takes one round trip instead of three (BEGIN with the
# setting, INSERT, COMMIT): the statement is its own transaction, its row comes out of
# the subquery that sets the organization, and the policy checks the row only then. (Reads
# keep their transaction: a scan's place in a plan is the planner's choice, not ours.)
TENANT_ROW = f"(SELECT set_config('{TENANT}', $1, true) AS id) tenant"
INSERT_ACTIVITY_SCOPED = (
    f"INSERT INTO activity ({ACTIVITY_COLUMNS}) SELECT $2, tenant.id, $3, $4, $5, $6, "
    f"$7::bigint, $8::bigint, $9::bytea FROM {TENANT_ROW}"
)
# A create and its event, in the same single round trip: both rows come out of the one
# (materialised) tenant row, so both are checked under the organization it sets.
INSERT_ACTIVITY_WITH_EVENT = (
    f"WITH tenant AS MATERIALIZED (SELECT set_config('{TENANT}', $1, true) AS id), "
    f"created AS (INSERT INTO activity ({ACTIVITY_COLUMNS}) SELECT $2, tenant.id, $3, $4, $5, "
    "$6, $7::bigint, $8::bigint, $9::bytea FROM tenant) "
    "INSERT INTO event (id, organization_id, object_type, object_id, action, lead_id, user_id, "
    "request_id, date_created, date_updated, document) SELECT $10, tenant.id, $11, $12, $13, "
    "$14, $15, $16, $17::bigint, $18::bigint, $19::bytea FROM tenant"
)


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgres://", "postgresql://"))


async def run_async(connection: Connection, transaction: Transaction[T]) -> T:
    """Drive a transaction to its end on one connection, inside the caller's transaction."""
    send: Any = None
    try:
        while True:
            statement = transaction.send(send)
            send = await _execute(connection, statement)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def _execute(connection: Connection, statement: Statement) -> Any:
    returns = statement.returns
    if returns == tx.ACT_FOR:
        return await set_scope(connection, TENANT, statement.args[0])
    sql = numbered(statement.sql) + statement.lock
    if returns == tx.ROWS:
        return await connection.fetch(sql, *statement.args)
    if returns == tx.ROW:
        return await connection.fetchrow(sql, *statement.args)
    if returns == tx.VALUE:
        return await connection.fetchval(sql, *statement.args)
    if returns == tx.COUNT:
        return _affected(await connection.execute(sql, *statement.args))
    assert returns == tx.MANY
    if statement.args:
        await connection.executemany(sql, statement.args)
    return None


def settings_of(scope: Scope) -> dict[str, str]:
    """The row-level security settings (and planner settings) a scope stands for."""
    settings: dict[str, str] = {}
    if scope.organization_id is not None:
        settings[TENANT] = scope.organization_id
    if scope.deliverer:
        settings[DELIVERER] = "on"
    if scope.directory:
        settings[DIRECTORY] = "on"
    if scope.credential_lookup is not None:
        settings[CREDENTIAL_LOOKUP] = scope.credential_lookup
    if scope.index_order:
        settings.update(READ_OFF_AN_INDEX)
    return settings


class PostgresDriver:
    """Runs transactions on a PostgreSQL database that any number of processes may share."""

    dialect = POSTGRES

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self.applied: list[Migration] = []
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            reset=_keep_session,
            server_settings=SESSION_SETTINGS,
        )
        async with self._pool.acquire() as connection:
            self.applied = await migrate(connection)
            if await connection.fetchval(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            ):
                log.warning(
                    "closecalls: connected as a role that bypasses row-level security; "
                    "use a role that is neither SUPERUSER nor BYPASSRLS (docs/operations.md)"
                )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        return opened(self._pool)

    async def write(
        self, scope: Scope, body: Callable[P, Transaction[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        async with self.transaction(**settings_of(scope)) as connection:
            return await run_async(connection, body(*args, **kwargs))

    # A read runs as a write does: in a transaction whose settings row-level security reads.
    read = write

    async def stream(
        self, scope: Scope, sql: str, args: Sequence[Any], *, batch: int
    ) -> AsyncIterator[list[Any]]:
        async with self.transaction(**settings_of(scope)) as connection:
            found: list[Any] = []
            async for record in connection.cursor(numbered(sql), *args, prefetch=batch):
                found.append(record)
                if len(found) == batch:
                    yield found
                    found = []
            if found:
                yield found

    async def idle(self, statement: Statement) -> bool:
        return False

    def insert_activity_at_once(
        self, row: ActivityRow, events: Sequence[EventRow]
    ) -> Awaitable[None] | None:
        columns = (row.organization_id, row.id, row.type, row.lead_id, row.contact_id,
                   row.user_id, row.date_created, row.activity_at, row.document)  # fmt: skip
        if not events:
            return self._at_once(INSERT_ACTIVITY_SCOPED, columns)
        if len(events) == 1 and events[0].organization_id == row.organization_id:
            event = events[0]
            return self._at_once(
                INSERT_ACTIVITY_WITH_EVENT, (*columns, event.id, event.object_type,
                event.object_id, event.action, event.lead_id, event.user_id, event.request_id,
                event.date_created, event.date_updated, event.document),
            )  # fmt: skip
        return None

    async def _at_once(self, sql: str, args: tuple[Any, ...]) -> None:
        async with self.connection() as connection:
            await connection.execute(sql, *args)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection from the pool, for as long as the block runs."""
        pool = self.pool
        if asyncio.get_running_loop() is self._loop:
            async with pool.acquire() as pooled:
                yield pooled
            return
        # asyncpg connections belong to the event loop that opened them: a caller on another
        # loop (a test client that runs the app on a loop of its own) gets its own connection.
        own = await asyncpg.connect(self.url, server_settings=SESSION_SETTINGS)
        try:
            yield own
        finally:
            await own.close()

    @asynccontextmanager
    async def transaction(self, **scope: str) -> AsyncIterator[Connection]:
        """One transaction, with these settings (the organization, ...) for its length."""
        async with self.connection() as connection:
            await connection.execute(_begin(scope))
            try:
                yield connection
            except BaseException:
                try:
                    await connection.execute("ROLLBACK")
                except Exception:
                    connection.terminate()  # broken: the pool opens a fresh one
                raise
            await connection.execute("COMMIT")

    def tenant(self, organization_id: str) -> AbstractAsyncContextManager[Connection]:
        """A transaction that sees only this organization's rows."""
        return self.transaction(**{TENANT: organization_id})

    @asynccontextmanager
    async def exclusively(self) -> AsyncIterator[None]:
        """Hold the bootstrap lock: one process at a time finds or makes the first tenant."""
        # A connection of its own: the pool may be one connection, needed inside.
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", BOOTSTRAP_LOCK)
            yield
        finally:
            await connection.close()  # ends the session, and with it the lock


async def migrate(connection: Connection) -> list[Migration]:
    """Apply the migrations this database lacks, each recorded; return the ones applied.

    Every process migrates on start, so the advisory lock lets one at a time look and
    apply; the others then find everything recorded. DDL is transactional here, so a
    failed migration leaves nothing half done.
    """
    applied = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, "
            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in await connection.fetch("SELECT version FROM schema_migration")}
        for migration in load_migrations("postgresql"):
            if migration.version in done:
                continue
            await connection.execute(migration.sql)
            await connection.execute(
                "INSERT INTO schema_migration (version, name) VALUES ($1, $2)",
                migration.version, migration.name,
            )  # fmt: skip
            applied.append(migration)
    return applied


def _begin(scope: dict[str, str]) -> str:
    """BEGIN and the transaction's settings, in one round trip."""
    if not scope:
        return "BEGIN"
    settings = ", ".join(
        f"set_config({_literal(name)}, {_literal(value)}, true)" for name, value in scope.items()
    )
    return f"BEGIN; SELECT {settings}"


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a setting cannot contain NUL")
    return "'" + value.replace("'", "''") + "'"


async def set_scope(connection: Connection, name: str, value: str) -> None:
    """Change one row-level security setting for the rest of the transaction."""
    await connection.execute("SELECT set_config($1, $2, true)", name, value)


async def _keep_session(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Nothing to reset: the store only ever sets transaction-local settings."""


def _affected(status: str) -> int:
    """Rows a command touched, from its status tag (`UPDATE 1`, `DELETE 0`)."""
    return int(status.rsplit(" ", 1)[-1])
