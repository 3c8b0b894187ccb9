"""The store's bulk paths: imports that never load a row twice, and streaming exports."""

from __future__ import annotations

from collections.abc import AsyncIterator

from closecalls.domain.listing import ActivityQuery
from closecalls.store.activities import ActivityValues
from closecalls.store.sql import INSERT_ACTIVITY, list_filter, ordered_filter
from closecalls.store.transaction import (
    Driver,
    Scope,
    Transaction,
    one,
    rows,
    run_many,
    tenant,
    value,
)

# A natural key (provider call id or row hash) with the call it became.
Keyed = tuple[str, ActivityValues]

# Keys are claimed this many rows (three parameters each) per statement: both engines cap
# a statement's parameters near 32766, and far fewer keep each statement cheap to plan.
CLAIM_CHUNK = 500
CLAIM_KEYS = (
    "INSERT INTO imported_row (organization_id, natural_key, activity_id) VALUES {rows} "
    "ON CONFLICT DO NOTHING RETURNING natural_key"
)


def import_rows(organization_id: str, keyed: list[Keyed]) -> Transaction[int]:
    """Insert the calls whose keys were never imported, with their keys; how many.

    The keys are claimed first: on PostgreSQL a concurrent import of the same keys waits
    for this one to commit, then skips them.
    """
    claimed: set[str] = set()
    for start in range(0, len(keyed), CLAIM_CHUNK):
        chunk = keyed[start : start + CLAIM_CHUNK]
        args = [item for key, values in chunk for item in (organization_id, key, values[0])]
        sql = CLAIM_KEYS.format(rows=", ".join(["(?, ?, ?)"] * len(chunk)))
        claimed.update(found[0] for found in (yield rows(sql, *args)))
    fresh = []
    for key, values in keyed:  # a key twice in the batch: its first row claimed it
        if key in claimed:
            claimed.discard(key)
            fresh.append(values)
    yield run_many(INSERT_ACTIVITY, fresh)
    return len(fresh)


class BulkStore:
    """The store's imports and exports, written once for both engines."""

    db: Driver

    async def import_activities(self, organization_id: str, rows: list[Keyed]) -> int:
        """Insert, in one transaction, the calls whose natural keys were never imported.

        Each key is recorded with its call; how many calls were inserted.
        """
        return await self.db.write(tenant(organization_id), import_rows, organization_id, rows)

    async def count_activities(self, organization_id: str, query: ActivityQuery) -> int:
        """How many activities the query's filters match (paging aside)."""
        if (where := list_filter(self.db.dialect, organization_id, query)) is None:
            return 0
        sql, args = f"SELECT count(*) FROM activity WHERE {' AND '.join(where[0])}", where[1]
        return int(await self.db.read(tenant(organization_id), one, value(sql, *args)))

    async def export_activities(
        self, organization_id: str, query: ActivityQuery, *, batch: int = 5_000
    ) -> AsyncIterator[list[bytes]]:
        """Every document the query's filters match, in its order, a batch at a time."""
        if (found := ordered_filter(self.db.dialect, organization_id, query)) is None:
            return
        where, order, args = found
        scope = Scope(organization_id=organization_id, index_order=True)
        sql = f"SELECT document FROM activity WHERE {where} {order}"
        async for batch_rows in self.db.stream(scope, sql, args, batch=batch):
            yield [values[0] for values in batch_rows]
