"""Tasks: insert with their events, get, update under lock, delete, list and select."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from closecalls.domain.idempotency import IdempotencyKey
from closecalls.domain.task_list import TaskQuery
from closecalls.store.events import EventRow, RemovalRecorder
from closecalls.store.events_sql import insert_events
from closecalls.store.idempotency import finish_key
from closecalls.store.rows import ActivityRow, TaskChange, TaskRow
from closecalls.store.sql import INSERT_ACTIVITY, Dialect
from closecalls.store.transaction import (
    FOR_UPDATE,
    Driver,
    Transaction,
    one,
    rows,
    run,
    tenant,
    value,
)

TASK_COLUMNS = (
    "id, organization_id, type, lead_id, assigned_to, is_complete, date, date_created, "
    "date_updated, document"
)
INSERT_TASK = f"INSERT INTO task ({TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
GET_TASK = "SELECT document FROM task WHERE id = ? AND organization_id = ?"
UPDATE_TASK = (
    "UPDATE task SET assigned_to = ?, is_complete = ?, date = ?, date_updated = ?, document = ? "
    "WHERE id = ? AND organization_id = ?"
)
DELETE_TASK = "DELETE FROM task WHERE id = ? AND organization_id = ? RETURNING document"


def _values(row: TaskRow) -> tuple[object, ...]:
    return (
        row.id, row.organization_id, row.type, row.lead_id, row.assigned_to, row.is_complete,
        row.date, row.date_created, row.date_updated, row.document,
    )  # fmt: skip


def _completed(activity: ActivityRow) -> Transaction[None]:
    yield run(
        INSERT_ACTIVITY, activity.id, activity.organization_id, activity.type, activity.lead_id,
        activity.contact_id, activity.user_id, activity.date_created, activity.activity_at,
        activity.document,
    )  # fmt: skip


def insert(
    row: TaskRow,
    events: Sequence[EventRow],
    completed: ActivityRow | None,
    idempotency: IdempotencyKey | None,
) -> Transaction[None]:
    yield run(INSERT_TASK, *_values(row))
    if completed is not None:
        yield from _completed(completed)
    yield from insert_events(events)
    if idempotency is not None:
        yield from finish_key(idempotency, 200, row.document)


def update(
    organization_id: str,
    task_id: str,
    change: Callable[[bytes], TaskChange],
    idempotency: IdempotencyKey | None,
) -> Transaction[bytes | None]:
    stored = yield value(GET_TASK, task_id, organization_id, lock=FOR_UPDATE)
    if stored is None:
        return None
    changed = change(stored)
    row = changed.row
    yield run(UPDATE_TASK, row.assigned_to, row.is_complete, row.date, row.date_updated,
              row.document, task_id, organization_id)  # fmt: skip
    if changed.completed is not None:
        yield from _completed(changed.completed)
    yield from insert_events(changed.events)
    if idempotency is not None:
        yield from finish_key(idempotency, 200, row.document)
    return row.document


def delete(organization_id: str, task_id: str, record: RemovalRecorder | None) -> Transaction[bool]:
    removed = yield value(DELETE_TASK, task_id, organization_id)
    if record is not None and removed is not None:
        yield from insert_events(record([("task", removed)]))
    return removed is not None


def task_filter(
    dialect: Dialect, organization_id: str, query: TaskQuery
) -> tuple[str, str, list[object]] | None:
    """A task query's WHERE, ORDER BY (ties by seq) and arguments; None when none can match."""
    if query.organization_id is not None and query.organization_id != organization_id:
        return None
    args: list[object] = []
    clauses = [f"organization_id = {dialect.param(args, organization_id)}"]
    for column, values in (
        ("type", query.types), ("id", query.ids), ("lead_id", query.lead_ids),
        ("assigned_to", query.assigned_to),
    ):  # fmt: skip
        if values is None:
            continue
        if not values:
            return None
        clauses.append(dialect.one_of(column, values, args))
    if query.is_complete is not None:
        clauses.append(f"is_complete = {dialect.param(args, query.is_complete)}")
    for column, bounds in (("date", query.date), ("date_created", query.date_created),
                           ("date_updated", query.date_updated)):  # fmt: skip
        if bounds.low is not None:
            clauses.append(f"{column} >= {dialect.param(args, bounds.low)}")
        if bounds.high is not None:
            clauses.append(f"{column} < {dialect.param(args, bounds.high)}")
    direction = "DESC" if query.descending else "ASC"
    order = f"ORDER BY {query.order_field} {direction}, seq {direction}"
    return " AND ".join(clauses), order, args


class TaskStore:
    """The store's task methods, written once for both engines."""

    db: Driver

    async def insert_task(
        self,
        row: TaskRow,
        *,
        events: Sequence[EventRow] = (),
        completed: ActivityRow | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> None:
        """Insert a task, the TaskCompleted activity it starts with and their events at once."""
        await self.db.write(
            tenant(row.organization_id), insert, row, events, completed, idempotency
        )

    async def get_task(self, organization_id: str, task_id: str) -> bytes | None:
        found = value(GET_TASK, task_id, organization_id)
        document: bytes | None = await self.db.read(tenant(organization_id), one, found)
        return document

    async def update_task(
        self,
        organization_id: str,
        task_id: str,
        change: Callable[[bytes], TaskChange],
        *,
        idempotency: IdempotencyKey | None = None,
    ) -> bytes | None:
        """Apply `change` under the row's lock, with what it records; None if no such task."""
        return await self.db.write(
            tenant(organization_id), update, organization_id, task_id, change, idempotency
        )

    async def delete_task(
        self, organization_id: str, task_id: str, *, record: RemovalRecorder | None = None
    ) -> bool:
        return await self.db.write(
            tenant(organization_id), delete, organization_id, task_id, record
        )

    async def list_tasks(self, organization_id: str, query: TaskQuery) -> tuple[list[bytes], bool]:
        """One page of task documents in the query's order, and whether more follow."""
        built = task_filter(self.db.dialect, organization_id, query)
        if built is None or query.limit == 0:
            return [], False
        where, order, args = built
        page = f"LIMIT {self.db.dialect.param(args, query.limit + 1)} "
        page += f"OFFSET {self.db.dialect.param(args, query.skip)}"
        sql = f"SELECT document FROM task WHERE {where} {order} {page}"
        found = await self.db.read(tenant(organization_id), one, rows(sql, *args))
        return [row[0] for row in found[: query.limit]], len(found) > query.limit

    async def task_ids(self, organization_id: str, query: TaskQuery) -> list[str]:
        """Every id the query's filters select (paging aside), in its order: a bulk update's."""
        built = task_filter(self.db.dialect, organization_id, query)
        if built is None:
            return []
        where, order, args = built
        sql = f"SELECT id FROM task WHERE {where} {order}"
        found = await self.db.read(tenant(organization_id), one, rows(sql, *args))
        return [row[0] for row in found]
