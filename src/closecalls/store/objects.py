"""Leads, contacts and outcomes: insert with their events, update under lock, delete, list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.events_sql import insert_events
from closecalls.store.rows import ObjectRow
from closecalls.store.sql import (
    CONTACTS_BY_PHONE,
    DELETE_LEAD,
    DELETE_LEAD_ACTIVITIES,
    DELETE_LEAD_CONTACTS,
    DELETE_OBJECT,
    DELETE_PHONES,
    GET_OBJECT,
    INSERT_OBJECT,
    INSERT_PHONE,
    UPDATE_OBJECT,
    object_filter,
    objects_by_id,
)
from closecalls.store.transaction import (
    FOR_UPDATE,
    UNSCOPED,
    Driver,
    Transaction,
    act_for,
    one,
    rows,
    run,
    run_many,
    tenant,
    value,
)


def replace_phones(row: ObjectRow) -> Transaction[None]:
    yield run(DELETE_PHONES, row.id, row.organization_id)
    yield run_many(INSERT_PHONE, [(row.organization_id, phone, row.id) for phone in row.phones])


def insert_objects(rows: list[ObjectRow], events: Sequence[EventRow]) -> Transaction[None]:
    by_organization: dict[str, list[ObjectRow]] = {}
    for row in rows:
        by_organization.setdefault(row.organization_id, []).append(row)
    for organization_id, batch in by_organization.items():
        yield act_for(organization_id)
        yield run_many(
            INSERT_OBJECT,
            [(row.id, row.organization_id, row.kind, row.parent_id, row.date_created,
              row.document) for row in batch],
        )  # fmt: skip
        for row in batch:
            yield from replace_phones(row)
        yield from insert_events(
            [event for event in events if event.organization_id == organization_id]
        )


def update_object(
    organization_id: str,
    kind: str,
    object_id: str,
    change: Callable[[bytes], ObjectRow],
    record: Recorder | None,
) -> Transaction[bytes | None]:
    stored = yield value(GET_OBJECT, object_id, organization_id, kind, lock=FOR_UPDATE)
    if stored is None:
        return None
    row = change(stored)
    yield run(UPDATE_OBJECT, row.parent_id, row.document, object_id, organization_id)
    yield from replace_phones(row)
    if record is not None:
        yield from insert_events(record(stored, row.document))
    return row.document


def delete_object(
    organization_id: str, kind: str, object_id: str, record: RemovalRecorder | None
) -> Transaction[bool]:
    removed = yield value(DELETE_OBJECT + " RETURNING document", object_id, organization_id, kind)
    if record is not None and removed is not None:
        yield from insert_events(record([(kind, removed)]))
    return removed is not None


def delete_lead(
    organization_id: str, lead_id: str, record: RemovalRecorder | None
) -> Transaction[bool]:
    lead = yield value(DELETE_LEAD + " RETURNING document", lead_id, organization_id)
    if lead is None:
        return False
    removed: list[tuple[str, bytes]] = [("lead", lead)]
    for sql in (DELETE_LEAD_CONTACTS + " RETURNING kind, document",
                DELETE_LEAD_ACTIVITIES + " RETURNING type, document"):  # fmt: skip
        found = yield rows(sql, organization_id, lead_id)
        removed += [(values[0], values[1]) for values in found]
    if record is not None:
        yield from insert_events(record(removed))
    return True


class ObjectStore:
    """The store's leads, contacts and outcomes, written once for both engines."""

    db: Driver

    async def insert_objects(
        self, rows: Iterable[ObjectRow], *, events: Sequence[EventRow] = ()
    ) -> None:
        """Insert objects and the events they cause in one transaction (a lead with contacts)."""
        batch = list(rows)
        if batch:
            await self.db.write(UNSCOPED, insert_objects, batch, events)

    async def get_objects(
        self, organization_id: str, kind: str, object_ids: Iterable[str]
    ) -> dict[str, bytes]:
        ids = list(object_ids)
        if not ids:
            return {}
        sql, args = objects_by_id(self.db.dialect, "id, document", organization_id, kind, ids)
        found = await self.db.read(tenant(organization_id), one, rows(sql, *args))
        return {values[0]: values[1] for values in found}

    async def find_objects(
        self, organization_id: str, object_ids: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        """Which of these ids exist, as (kind, parent): one query for all a body names."""
        # An id with a NUL cannot exist, and PostgreSQL refuses it as a parameter.
        ids = [object_id for object_id in object_ids if "\x00" not in object_id]
        if not ids:
            return {}
        sql, args = objects_by_id(
            self.db.dialect, "id, kind, parent_id", organization_id, None, ids
        )
        found = await self.db.read(tenant(organization_id), one, rows(sql, *args))
        return {values[0]: (values[1], values[2]) for values in found}

    async def update_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        change: Callable[[bytes], ObjectRow],
        *,
        record: Recorder | None = None,
    ) -> bytes | None:
        """Apply `change` atomically; `record(before, after)` gives the events to write with it."""
        return await self.db.write(
            tenant(organization_id), update_object, organization_id, kind, object_id, change, record
        )

    async def delete_object(
        self,
        organization_id: str,
        kind: str,
        object_id: str,
        *,
        record: RemovalRecorder | None = None,
    ) -> bool:
        return await self.db.write(
            tenant(organization_id), delete_object, organization_id, kind, object_id, record
        )

    async def delete_lead(
        self, organization_id: str, lead_id: str, *, record: RemovalRecorder | None = None
    ) -> bool:
        """Delete a lead with its contacts and its activities, as Close does.

        `record` is given every (kind or activity type, document) removed.
        """
        return await self.db.write(
            tenant(organization_id), delete_lead, organization_id, lead_id, record
        )

    async def list_objects(
        self,
        organization_id: str,
        kind: str,
        *,
        parent_ids: tuple[str, ...] | None,
        limit: int,
        skip: int,
        newest_first: bool,
    ) -> tuple[list[bytes], bool]:
        """One page of objects of a kind, oldest or newest first, and whether more follow."""
        where, args = object_filter(self.db.dialect, organization_id, kind, parent_ids)
        direction = "DESC" if newest_first else "ASC"
        page = f"LIMIT {self.db.dialect.param(args, limit + 1)} "
        page += f"OFFSET {self.db.dialect.param(args, skip)}"
        order = f"ORDER BY date_created {direction}, seq {direction}"
        sql = f"SELECT document FROM crm_object WHERE {where} {order} {page}"
        found = await self.db.read(tenant(organization_id), one, rows(sql, *args))
        return [values[0] for values in found[:limit]], len(found) > limit

    async def count_objects(
        self, organization_id: str, kind: str, *, parent_ids: tuple[str, ...] | None
    ) -> int:
        where, args = object_filter(self.db.dialect, organization_id, kind, parent_ids)
        count = value(f"SELECT count(*) FROM crm_object WHERE {where}", *args)
        return int(await self.db.read(tenant(organization_id), one, count))

    async def contacts_by_phone(self, organization_id: str, phone: str) -> list[tuple[str, str]]:
        """(contact id, lead id) of contacts with this E.164 number, newest first."""
        found = await self.db.read(
            tenant(organization_id), one, rows(CONTACTS_BY_PHONE, organization_id, phone)
        )
        return [(values[0], values[1]) for values in found]
