"""Activities: insert with their events, get, update under lock, delete, list a page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from closecalls.domain.activity import References, references_hold
from closecalls.domain.idempotency import IdempotencyKey
from closecalls.domain.listing import ActivityQuery
from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.events_sql import insert_events
from closecalls.store.idempotency import finish_key
from closecalls.store.rows import ActivityRow
from closecalls.store.sql import (
    DELETE_ACTIVITY,
    GET_ACTIVITY,
    INSERT_ACTIVITY,
    UPDATE_ACTIVITY,
    build_list_sql,
    objects_by_id,
)
from closecalls.store.transaction import (
    FOR_UPDATE,
    Driver,
    Scope,
    Statement,
    Transaction,
    act_for,
    one,
    rows,
    run,
    run_many,
    tenant,
    value,
)

# An activity's columns in ACTIVITY_COLUMNS order: id, organization_id, type, lead_id,
# contact_id, user_id, date_created, activity_at, document. Bulk rows travel between
# processes as plain tuples: pickling one costs a seventh of pickling an ActivityRow.
ActivityValues = tuple[str, str, str, str | None, str | None, str | None, int, int, bytes]


def activity_values(row: ActivityRow) -> ActivityValues:
    """The row as the tuple bulk imports carry and insert."""
    return (row.id, row.organization_id, row.type, row.lead_id, row.contact_id, row.user_id,
            row.date_created, row.activity_at, row.document)  # fmt: skip


class ReferencesMissing(Exception):
    """An object the write assumed is not (or no longer) there as assumed: nothing was written."""


def insert(
    row: ActivityRow,
    events: Sequence[EventRow],
    idempotency: IdempotencyKey | None,
    assumed: tuple[Statement, References] | None = None,
) -> Transaction[None]:
    if assumed is not None:
        lookup, refs = assumed
        found = yield lookup
        if not references_hold(refs, {values[0]: (values[1], values[2]) for values in found}):
            raise ReferencesMissing
    yield run(INSERT_ACTIVITY, *activity_values(row))
    yield from insert_events(events)
    if idempotency is not None:
        yield from finish_key(idempotency, 200, row.document)


def update(
    organization_id: str,
    type: str,
    activity_id: str,
    change: Callable[[bytes], ActivityRow],
    record: Recorder | None,
    idempotency: IdempotencyKey | None,
) -> Transaction[bytes | None]:
    # The row lock makes concurrent updates of one activity apply one after another.
    stored = yield value(GET_ACTIVITY, activity_id, organization_id, type, lock=FOR_UPDATE)
    if stored is None:
        return None
    row = change(stored)
    yield run(
        UPDATE_ACTIVITY, row.lead_id, row.contact_id, row.user_id, row.activity_at, row.document,
        activity_id, organization_id,
    )  # fmt: skip
    if record is not None:
        yield from insert_events(record(stored, row.document))
    if idempotency is not None:
        yield from finish_key(idempotency, 200, row.document)
    return row.document


def delete(
    organization_id: str, type: str, activity_id: str, record: RemovalRecorder | None
) -> Transaction[bool]:
    removed = yield value(
        DELETE_ACTIVITY + " RETURNING document", activity_id, organization_id, type
    )
    if record is not None and removed is not None:
        yield from insert_events(record([(type, removed)]))
    return removed is not None


def insert_many(rows: list[ActivityRow]) -> Transaction[None]:
    by_organization: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_organization.setdefault(row.organization_id, []).append(activity_values(row))
    for organization_id, values in by_organization.items():
        yield act_for(organization_id)
        yield run_many(INSERT_ACTIVITY, values)


class ActivityStore:
    """The store's activity methods, written once for both engines."""

    db: Driver

    async def insert_activity(
        self,
        row: ActivityRow,
        *,
        events: Sequence[EventRow] = (),
        idempotency: IdempotencyKey | None = None,
        assumed: References | None = None,
    ) -> None:
        """Insert one activity and the events it causes in one transaction; with a claimed
        idempotency key, record the answer in the same transaction.

        With `assumed`, the same transaction first checks that the leads, contacts and
        outcomes it names are there as named, and raises ReferencesMissing when not.
        """
        named = () if assumed is None else [*assumed.leads, *assumed.contact_leads,
                                            *assumed.outcomes]  # fmt: skip
        if idempotency is None and not named:
            at_once = self.db.insert_activity_at_once(row, events)
            if at_once is not None:
                return await at_once
        check = None
        if assumed is not None and named:
            sql, args = objects_by_id(
                self.db.dialect, "id, kind, parent_id", row.organization_id, None, named
            )
            check = (rows(sql, *args), assumed)
        await self.db.write(tenant(row.organization_id), insert, row, events, idempotency, check)

    async def insert_activities(self, rows: Iterable[ActivityRow]) -> None:
        """Insert many activities in one transaction (bulk loads)."""
        batch = list(rows)
        if batch:
            await self.db.write(Scope(), insert_many, batch)

    async def get_activity(self, organization_id: str, type: str, activity_id: str) -> bytes | None:
        found = value(GET_ACTIVITY, activity_id, organization_id, type)
        document: bytes | None = await self.db.read(tenant(organization_id), one, found)
        return document

    async def update_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        change: Callable[[bytes], ActivityRow],
        *,
        record: Recorder | None = None,
        idempotency: IdempotencyKey | None = None,
    ) -> bytes | None:
        """Apply `change` to the stored document atomically; None if there is no such activity.

        `change` may raise to refuse the update, which then changes nothing;
        `record(before, after)` gives the events written in the same transaction, and a
        claimed idempotency key records the answer in it too.
        """
        return await self.db.write(
            tenant(organization_id),
            update,
            organization_id,
            type,
            activity_id,
            change,
            record,
            idempotency,
        )

    async def delete_activity(
        self,
        organization_id: str,
        type: str,
        activity_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        return await self.db.write(
            tenant(organization_id), delete, organization_id, type, activity_id, record
        )

    async def list_activities(
        self, organization_id: str, query: ActivityQuery
    ) -> tuple[list[bytes], bool]:
        """One page of documents in the query's order, and whether more follow."""
        built = build_list_sql(self.db.dialect, organization_id, query)
        if built is None or query.limit == 0:
            return [], False
        sql, args = built
        scope = Scope(organization_id=organization_id, index_order=True)
        found = await self.db.read(scope, one, rows(sql, *args))
        return [row[0] for row in found[: query.limit]], len(found) > query.limit
