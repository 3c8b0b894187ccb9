"""The store's bulk paths: imports that never load a row twice, and streaming exports."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from closecalls.domain.listing import ActivityQuery
from closecalls.store.base import ActivityRow
from closecalls.store.sql import INSERT_ACTIVITY, Dialect, list_filter, numbered, ordered_filter

if TYPE_CHECKING:
    from closecalls.store.postgres import Connection

# An activity's columns in ACTIVITY_COLUMNS order: id, organization_id, type, lead_id,
# contact_id, user_id, date_created, activity_at, document. Bulk rows travel between
# processes as plain tuples: pickling one costs a seventh of pickling an ActivityRow.
ActivityValues = tuple[str, str, str, str | None, str | None, str | None, int, int, bytes]
# A natural key (provider call id or row hash) with the call it became.
Keyed = tuple[str, ActivityValues]


def activity_values(row: ActivityRow) -> ActivityValues:
    """The row as the tuple bulk imports carry and insert."""
    return (row.id, row.organization_id, row.type, row.lead_id, row.contact_id, row.user_id,
            row.date_created, row.activity_at, row.document)  # fmt: skip


INSERT_IMPORTED = (
    "INSERT INTO imported_row (organization_id, natural_key, activity_id) VALUES (?, ?, ?)"
)
# SQLite's limit on bound parameters is 32766; far fewer keep each lookup cheap to plan.
LOOKUP_CHUNK = 500
CLAIM_KEYS_POSTGRES = (
    "INSERT INTO imported_row (organization_id, natural_key, activity_id) "
    "SELECT $1, key, activity FROM unnest($2::text[], $3::text[]) AS fresh(key, activity) "
    "ON CONFLICT DO NOTHING RETURNING natural_key"
)


def export_sql(
    dialect: Dialect, organization_id: str, query: ActivityQuery
) -> tuple[str, list[object]] | None:
    """Every document the query's filters match, in its order, with no page limit."""
    found = ordered_filter(dialect, organization_id, query)
    if found is None:
        return None
    where, order, args = found
    return f"SELECT document FROM activity WHERE {where} {order}", args


def count_sql(
    dialect: Dialect, organization_id: str, query: ActivityQuery
) -> tuple[str, list[object]] | None:
    """How many documents the query's filters match."""
    where = list_filter(dialect, organization_id, query)
    if where is None:
        return None
    clauses, args = where
    return f"SELECT count(*) FROM activity WHERE {' AND '.join(clauses)}", args


def _first_of_each_key(rows: list[Keyed], known: set[str]) -> list[Keyed]:
    fresh: list[Keyed] = []
    seen = set(known)
    for key, values in rows:
        if key not in seen:
            seen.add(key)
            fresh.append((key, values))
    return fresh


def import_sqlite(connection: sqlite3.Connection, organization_id: str, rows: list[Keyed]) -> int:
    """Insert the calls whose keys were never imported, with their keys; how many."""
    keys = [key for key, _ in rows]
    known: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))
        known.update(
            found
            for (found,) in connection.execute(
                "SELECT natural_key FROM imported_row WHERE organization_id = ? "
                f"AND natural_key IN ({marks})",
                (organization_id, *chunk),
            )
        )
    fresh = _first_of_each_key(rows, known)
    connection.executemany(INSERT_ACTIVITY, [values for _, values in fresh])
    connection.executemany(
        INSERT_IMPORTED, [(organization_id, key, values[0]) for key, values in fresh]
    )
    return len(fresh)


def export_sqlite(
    connection: sqlite3.Connection, sql: str, args: list[object], batch: int
) -> Iterator[list[bytes]]:
    cursor = connection.execute(sql, args)
    while rows := cursor.fetchmany(batch):
        yield [bytes(row[0]) for row in rows]


async def import_postgres(connection: Connection, organization_id: str, rows: list[Keyed]) -> int:
    """As import_sqlite; a concurrent import of the same keys waits, then skips them."""
    claimed = await connection.fetch(
        CLAIM_KEYS_POSTGRES,
        organization_id,
        [key for key, _ in rows],
        [values[0] for _, values in rows],
    )
    wanted = {record[0] for record in claimed}
    fresh = [(key, values) for key, values in _first_of_each_key(rows, set()) if key in wanted]
    await connection.executemany(numbered(INSERT_ACTIVITY), [values for _, values in fresh])
    return len(fresh)


async def export_postgres(
    connection: Connection, sql: str, args: list[object], batch: int
) -> AsyncIterator[list[bytes]]:
    documents: list[bytes] = []
    async for record in connection.cursor(sql, *args, prefetch=batch):
        documents.append(record[0])
        if len(documents) == batch:
            yield documents
            documents = []
    if documents:
        yield documents
