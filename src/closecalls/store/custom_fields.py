"""Custom field definitions: insert, get, list per object type, update, delete with their values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from closecalls.store.document_match import UPDATE_DOCUMENT, document_like, holding
from closecalls.store.events import EventRow
from closecalls.store.events_sql import insert_events
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

INSERT_FIELD = (
    "INSERT INTO custom_field (id, organization_id, object_type, date_created, document) "
    "VALUES (?, ?, ?, ?, ?)"
)
GET_FIELD = (
    "SELECT document FROM custom_field WHERE id = ? AND organization_id = ? AND object_type = ?"
)
UPDATE_FIELD = "UPDATE custom_field SET document = ? WHERE id = ? AND organization_id = ?"
DELETE_FIELD = "DELETE FROM custom_field WHERE id = ? AND organization_id = ?"
LIST_FIELDS = (
    "SELECT document FROM custom_field WHERE organization_id = ? AND object_type = ? "
    "ORDER BY date_created, seq LIMIT ? OFFSET ?"
)
# Objects whose document holds a value of the field; the match is re-checked when rewritten.
OBJECTS_WITH_VALUE = (
    "SELECT id, document FROM crm_object WHERE organization_id = ? AND kind = ? AND "
)


@dataclass(frozen=True, slots=True)
class CustomFieldRow:
    id: str
    organization_id: str
    object_type: str
    date_created: int
    document: bytes


def insert(row: CustomFieldRow) -> Transaction[None]:
    yield run(INSERT_FIELD, row.id, row.organization_id, row.object_type, row.date_created,
              row.document)  # fmt: skip


def update(
    organization_id: str, object_type: str, field_id: str, change: Callable[[bytes], bytes]
) -> Transaction[bytes | None]:
    stored = yield value(GET_FIELD, field_id, organization_id, object_type, lock=FOR_UPDATE)
    if stored is None:
        return None
    document = change(bytes(stored))  # may raise to refuse: nothing is written
    yield run(UPDATE_FIELD, document, field_id, organization_id)
    return document


def delete(
    like: str,
    organization_id: str,
    object_type: str,
    field_id: str,
    strip: Callable[[bytes], tuple[bytes, Sequence[EventRow]] | None],
) -> Transaction[bool]:
    """Delete the definition and, as Close does, every value it held."""
    stored = yield value(GET_FIELD, field_id, organization_id, object_type, lock=FOR_UPDATE)
    if stored is None:
        return False
    yield run(DELETE_FIELD, field_id, organization_id)
    pattern = holding(f'"custom.{field_id}"')
    found = yield rows(OBJECTS_WITH_VALUE + like, organization_id, object_type, pattern)
    for object_id, document in found:
        changed = strip(bytes(document))
        if changed is not None:
            yield run(UPDATE_DOCUMENT, changed[0], object_id, organization_id)
            yield from insert_events(changed[1])
    return True


class CustomFieldStore:
    """The store's custom field methods."""

    db: Driver

    async def insert_custom_field(self, row: CustomFieldRow) -> None:
        await self.db.write(tenant(row.organization_id), insert, row)

    async def get_custom_field(
        self, organization_id: str, object_type: str, field_id: str
    ) -> bytes | None:
        found = value(GET_FIELD, field_id, organization_id, object_type)
        document = await self.db.read(tenant(organization_id), one, found)
        return None if document is None else bytes(document)

    async def list_custom_fields(
        self, organization_id: str, object_type: str, *, limit: int, skip: int
    ) -> tuple[list[bytes], bool]:
        page = rows(LIST_FIELDS, organization_id, object_type, limit + 1, skip)
        found = await self.db.read(tenant(organization_id), one, page)
        return [bytes(row[0]) for row in found[:limit]], len(found) > limit

    async def update_custom_field(
        self, organization_id: str, object_type: str, field_id: str,
        change: Callable[[bytes], bytes],
    ) -> bytes | None:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), update, organization_id, object_type, field_id, change
        )

    async def delete_custom_field(
        self, organization_id: str, object_type: str, field_id: str,
        *, strip: Callable[[bytes], tuple[bytes, Sequence[EventRow]] | None],
    ) -> bool:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), delete, document_like(self.db.dialect.numbered),
            organization_id, object_type, field_id, strip,
        )  # fmt: skip
