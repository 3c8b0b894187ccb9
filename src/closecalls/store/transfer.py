"""Copy a SQLite database into an empty PostgreSQL one, verified by counts and checksums.

Every table both schemas hold is copied, whatever it is, in one PostgreSQL transaction:
a copy that fails or does not verify leaves the target as empty as it found it. Tenant
rows are written under their organization's row-level security scope, as the app does.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from closecalls.store.postgres_driver import DIRECTORY, TENANT, PostgresDriver, set_scope
from closecalls.store.sqlite_driver import SQLiteDriver

if TYPE_CHECKING:
    from closecalls.store.postgres_driver import Connection

BATCH = 2_000
# Not data: the schema's own bookkeeping, and rate-limit buckets (PostgreSQL only; SQLite
# keeps them in the server's memory), which refill within seconds anyway.
SKIPPED = ("schema_migration", "rate_limit_bucket")
Progress = Callable[[int], None]


class TransferError(Exception):
    """The copy cannot start, or did not verify (the target is then left untouched)."""


@dataclass(frozen=True, slots=True)
class TableReport:
    """One copied table: rows on each side and the checksum both sides agree on."""

    name: str
    rows: int
    checksum: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    tenant: bool  # has organization_id: written and read under its organization's scope

    @property
    def quoted(self) -> str:
        return _quote(self.name)


class SQLiteToPostgres:
    """`closecalls migrate-data`: everything in a SQLite file, into PostgreSQL."""

    def __init__(self, source_path: str, target_url: str) -> None:
        self.source_path = source_path
        self.target_url = target_url

    def source_counts(self) -> dict[str, int]:
        """Rows per table in the source (after bringing its schema up to date)."""
        migrated = SQLiteDriver(self.source_path)
        migrated.open_sync()
        migrated.close_sync()
        with self._source() as source:
            return {
                table.name: source.execute(f"SELECT count(*) FROM {table.quoted}").fetchone()[0]
                for table in _sqlite_tables(source)
            }

    async def run(self, *, copied: Progress, verified: Progress) -> list[TableReport]:
        """Copy, then verify every table; report rows and checksums per table."""
        target = PostgresDriver(self.target_url, pool_size=1)
        await target.open()
        try:
            with self._source() as source:
                tables = _sqlite_tables(source)
                async with target.transaction() as connection:
                    await _check_target(connection, tables)
                    organizations = [
                        row[0] for row in source.execute("SELECT id FROM organization ORDER BY seq")
                    ]
                    for table in tables:
                        await _copy_table(source, connection, table, organizations, copied)
                    reports = []
                    for table in tables:
                        reports.append(
                            await _verify_table(source, connection, table, organizations, verified)
                        )
                    await _advance_sequences(source, connection, tables)
                async with target.pool.acquire() as connection:
                    # Fresh statistics, or the planner guesses at the new rows' shape.
                    await connection.execute("ANALYZE")
        finally:
            await target.close()
        return reports

    def _source(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.source_path}?mode=ro", uri=True)


def _sqlite_tables(source: sqlite3.Connection) -> list[Table]:
    """Every table, parents before the tables whose foreign keys name them."""
    names = [
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        if row[0] not in SKIPPED
    ]
    parents = {
        name: {row[2] for row in source.execute(f"PRAGMA foreign_key_list({_quote(name)})")}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] - {n} <= set(ordered)]
        if not ready:
            raise TransferError(
                f"foreign keys form a cycle among {sorted(set(names) - set(ordered))}"
            )
        ordered.extend(ready)
    tables = []
    for name in ordered:
        columns = tuple(row[1] for row in source.execute(f"PRAGMA table_info({_quote(name)})"))
        tables.append(Table(name, columns, "organization_id" in columns))
    return tables


async def _check_target(connection: Connection, tables: list[Table]) -> None:
    """The target must have the same tables and columns, and no organization yet."""
    rows = await connection.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> ALL($1)",
        list(SKIPPED),
    )
    target: dict[str, set[str]] = {}
    for table_name, column_name in rows:
        target.setdefault(table_name, set()).add(column_name)
    source = {table.name: set(table.columns) for table in tables}
    if source != target:
        differ = sorted(name for name in source.keys() | target.keys()
                        if source.get(name) != target.get(name))  # fmt: skip
        raise TransferError(
            f"the two schemas differ in {', '.join(differ)}: upgrade both to one version"
        )
    await set_scope(connection, DIRECTORY, "on")
    if await connection.fetchval("SELECT count(*) FROM organization"):
        raise TransferError("the target database already holds organizations: use an empty one")
    await set_scope(connection, DIRECTORY, "off")


async def _copy_table(
    source: sqlite3.Connection,
    connection: Connection,
    table: Table,
    organizations: list[str],
    copied: Progress,
) -> None:
    types: dict[str, str] = {
        row[0]: row[1]
        for row in await connection.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1",
            table.name,
        )
    }
    booleans = [index for index, column in enumerate(table.columns) if types[column] == "boolean"]
    marks = ", ".join(f"${n}" for n in range(1, len(table.columns) + 1))
    insert = f"INSERT INTO {table.quoted} ({_column_list(table)}) VALUES ({marks})"
    for organization_id, batch in _batches(source, table, organizations):
        if organization_id is not None:
            await set_scope(connection, TENANT, organization_id)
        rows = [_with_booleans(row, booleans) for row in batch]
        await connection.executemany(insert, rows)
        copied(len(rows))


async def _verify_table(
    source: sqlite3.Connection,
    connection: Connection,
    table: Table,
    organizations: list[str],
    verified: Progress,
) -> TableReport:
    expected = RowDigest()
    for _, batch in _batches(source, table, organizations):
        expected.add_all(batch)
    found = RowDigest()
    for organization_id, where in _scopes(table, organizations):
        if organization_id is not None:
            await set_scope(connection, TENANT, organization_id)
        cursor = connection.cursor(
            f"SELECT {_column_list(table)} FROM {table.quoted} {where}",
            *([organization_id] if where else []),
        )
        batch = []
        async for record in cursor:
            batch.append(tuple(record))
            if len(batch) == BATCH:
                found.add_all(batch)
                verified(len(batch))
                batch = []
        found.add_all(batch)
        verified(len(batch))
    if (found.rows, found.hexdigest()) != (expected.rows, expected.hexdigest()):
        raise TransferError(
            f"{table.name}: {expected.rows} rows copied but {found.rows} read back, "
            f"checksums {expected.hexdigest()[:12]} and {found.hexdigest()[:12]}"
        )
    return TableReport(table.name, found.rows, found.hexdigest())


async def _advance_sequences(
    source: sqlite3.Connection, connection: Connection, tables: list[Table]
) -> None:
    """Identity columns continue after the copied values, so new rows sort after old ones."""
    for table in tables:
        identities = await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = $1 AND is_identity = 'YES'",
            table.name,
        )
        for (column,) in identities:
            highest = source.execute(
                f"SELECT max({_quote(column)}) FROM {table.quoted}"
            ).fetchone()[0]
            if highest is not None:
                await connection.execute(
                    "SELECT setval(pg_get_serial_sequence($1, $2), $3)",
                    table.quoted, column, highest,
                )  # fmt: skip


class RowDigest:
    """A checksum of a set of rows that does not depend on the order they are read in."""

    MODULUS = 1 << 256

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add_all(self, rows: list[tuple[object, ...]]) -> None:
        for row in rows:
            canonical = repr(tuple(_canonical(value) for value in row)).encode()
            self._sum = (self._sum + int.from_bytes(hashlib.sha256(canonical).digest())) % (
                self.MODULUS
            )
        self.rows += len(rows)

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"


def _canonical(value: object) -> object:
    """One spelling per value across both engines: booleans as 0/1, blobs as bytes."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _scopes(table: Table, organizations: list[str]) -> Iterator[tuple[str | None, str]]:
    """(organization to scope to, WHERE clause) for each part of a table."""
    if table.name == "organization":
        for organization_id in organizations:
            yield organization_id, "WHERE id = $1"
    elif table.tenant:
        for organization_id in organizations:
            yield organization_id, "WHERE organization_id = $1"
    else:
        yield None, ""


def _batches(
    source: sqlite3.Connection, table: Table, organizations: list[str]
) -> Iterator[tuple[str | None, list[tuple[object, ...]]]]:
    """The source's rows in batches, each tagged with the organization it belongs to."""
    # A WITHOUT ROWID table has no rowid; it is read in its key's order.
    order = "ORDER BY rowid" if _has_rowid(source, table) else ""
    for organization_id, where in _scopes(table, organizations):
        cursor = source.execute(
            f"SELECT {_column_list(table)} FROM {table.quoted} {where.replace('$1', '?')} {order}",
            [organization_id] if where else [],
        )
        while batch := cursor.fetchmany(BATCH):
            yield organization_id, batch


def _has_rowid(source: sqlite3.Connection, table: Table) -> bool:
    sql = source.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table.name,)
    ).fetchone()[0]
    return "WITHOUT ROWID" not in sql.upper()


def _with_booleans(row: tuple[object, ...], booleans: list[int]) -> tuple[object, ...]:
    if not booleans:
        return row
    values = list(row)
    for index in booleans:
        if values[index] is not None:
            values[index] = bool(values[index])
    return tuple(values)


def _column_list(table: Table) -> str:
    return ", ".join(_quote(column) for column in table.columns)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
