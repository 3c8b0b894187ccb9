"""Lead statuses: an organization's list, its changes, and a lead's status change as an activity.

An organization that never changed its statuses has no rows: it has Close's defaults, which
the first change writes down before applying itself, so every lead's status id stays valid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from closecalls.domain.statuses import LeadStatus
from closecalls.store.activities import activity_values
from closecalls.store.document_match import UPDATE_DOCUMENT, document_like, holding
from closecalls.store.events import EventRow, Recorder
from closecalls.store.events_sql import insert_events
from closecalls.store.rows import ActivityRow, ObjectRow
from closecalls.store.sql import GET_OBJECT, INSERT_ACTIVITY
from closecalls.store.transaction import (
    FOR_UPDATE,
    Driver,
    Transaction,
    one,
    rows,
    run,
    run_many,
    tenant,
    value,
)

LIST_STATUSES = (
    "SELECT id, organization_id, label, color, position FROM lead_status "
    "WHERE organization_id = ? ORDER BY position, seq"
)
INSERT_STATUS = (
    "INSERT INTO lead_status (id, organization_id, label, color, position) VALUES (?, ?, ?, ?, ?)"
)
UPDATE_STATUS = (
    "UPDATE lead_status SET label = ?, color = ?, position = ? WHERE id = ? AND organization_id = ?"
)
DELETE_STATUS = "DELETE FROM lead_status WHERE id = ? AND organization_id = ?"
# A lead's document holds its status id as `"status_id":"stat_…"`; the match is re-checked.
LEADS_WITH_STATUS = (
    "SELECT id, document FROM crm_object WHERE organization_id = ? AND kind = 'lead' AND "
)
UPDATE_OBJECT_DOCUMENT = (
    "UPDATE crm_object SET parent_id = ?, document = ? WHERE id = ? AND organization_id = ?"
)

# (lead document, status id, new label) -> the lead relabelled, or None if it has another status.
Relabel = Callable[[bytes, str, str], bytes | None]


def _status(found: Sequence[object]) -> LeadStatus:
    return LeadStatus(str(found[0]), str(found[1]), str(found[2]),
                      None if found[3] is None else str(found[3]), int(found[4]))  # type: ignore[call-overload]  # fmt: skip


def current(organization_id: str, defaults: Sequence[LeadStatus]) -> Transaction[list[LeadStatus]]:
    """The organization's statuses, written down from the defaults if it had none."""
    found = yield rows(LIST_STATUSES, organization_id, lock=FOR_UPDATE)
    if found:
        return [_status(row) for row in found]
    yield run_many(INSERT_STATUS, [(s.id, s.organization_id, s.label, s.color, s.position)
                                   for s in defaults])  # fmt: skip
    return list(defaults)


def _leads_with(
    like: str, organization_id: str, status_id: str
) -> Transaction[list[tuple[str, bytes]]]:
    pattern = holding(f'"status_id":"{status_id}"')
    found = yield rows(LEADS_WITH_STATUS + like, organization_id, pattern)
    return [(str(row[0]), bytes(row[1])) for row in found]


def save(
    like: str,
    organization_id: str,
    defaults: Sequence[LeadStatus],
    status: LeadStatus,
    relabel: Relabel,
) -> Transaction[LeadStatus]:
    """Insert or change one status; a new label is carried onto the leads that have it."""
    existing = yield from current(organization_id, defaults)
    before = next((item for item in existing if item.id == status.id), None)
    if before is None:
        yield run(INSERT_STATUS, status.id, organization_id, status.label, status.color,
                  status.position)  # fmt: skip
        return status
    yield run(UPDATE_STATUS, status.label, status.color, status.position, status.id,
              organization_id)  # fmt: skip
    if before.label != status.label:
        for lead_id, document in (yield from _leads_with(like, organization_id, status.id)):
            changed = relabel(document, status.id, status.label)
            if changed is not None:
                yield run(UPDATE_DOCUMENT, changed, lead_id, organization_id)
    return status


def reorder(
    organization_id: str,
    defaults: Sequence[LeadStatus],
    order: Callable[[list[LeadStatus]], list[LeadStatus]],
) -> Transaction[list[LeadStatus]]:
    existing = yield from current(organization_id, defaults)
    wanted = order(existing)  # may raise to refuse: nothing is written
    yield run_many(UPDATE_STATUS, [(s.label, s.color, s.position, s.id, organization_id)
                                   for s in wanted])  # fmt: skip
    return wanted


def delete(
    like: str,
    organization_id: str,
    defaults: Sequence[LeadStatus],
    status_id: str,
    in_use: Callable[[list[bytes]], int],
) -> Transaction[tuple[str, int]]:
    """("missing" | "in_use" | "last" | "deleted", leads that have it): no lead may lose it."""
    existing = yield from current(organization_id, defaults)
    if all(status.id != status_id for status in existing):
        return "missing", 0
    users = in_use(
        [document for _, document in (yield from _leads_with(like, organization_id, status_id))]
    )
    if users:
        return "in_use", users
    if len(existing) == 1:
        return "last", 0
    yield run(DELETE_STATUS, status_id, organization_id)
    return "deleted", 0


def update_lead_recording_change(
    organization_id: str,
    lead_id: str,
    change: Callable[[bytes], ObjectRow],
    record: Recorder | None,
    activity: Callable[[bytes, bytes], tuple[ActivityRow, Sequence[EventRow]] | None],
) -> Transaction[bytes | None]:
    """Update a lead; a change of status also writes its LeadStatusChange and that's events."""
    stored = yield value(GET_OBJECT, lead_id, organization_id, "lead", lock=FOR_UPDATE)
    if stored is None:
        return None
    row = change(stored)
    yield run(UPDATE_OBJECT_DOCUMENT, row.parent_id, row.document, lead_id, organization_id)
    if record is not None:
        yield from insert_events(record(stored, row.document))
    caused = activity(stored, row.document)
    if caused is not None:
        activity_row, events = caused
        yield run(INSERT_ACTIVITY, *activity_values(activity_row))
        yield from insert_events(events)
    return row.document


class LeadStatusStore:
    """The store's lead status methods."""

    db: Driver

    async def lead_statuses(self, organization_id: str) -> list[LeadStatus]:
        """The organization's statuses in order; empty while it has Close's defaults."""
        found = await self.db.read(
            tenant(organization_id), one, rows(LIST_STATUSES, organization_id)
        )
        return [_status(row) for row in found]

    async def save_lead_status(
        self, organization_id: str, defaults: Sequence[LeadStatus], status: LeadStatus,
        *, relabel: Relabel,
    ) -> LeadStatus:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), save, document_like(self.db.dialect.numbered),
            organization_id, defaults, status, relabel,
        )  # fmt: skip

    async def reorder_lead_statuses(
        self, organization_id: str, defaults: Sequence[LeadStatus],
        order: Callable[[list[LeadStatus]], list[LeadStatus]],
    ) -> list[LeadStatus]:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), reorder, organization_id, defaults, order
        )

    async def delete_lead_status(
        self, organization_id: str, defaults: Sequence[LeadStatus], status_id: str,
        *, in_use: Callable[[list[bytes]], int],
    ) -> tuple[str, int]:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), delete, document_like(self.db.dialect.numbered),
            organization_id, defaults, status_id, in_use,
        )  # fmt: skip

    async def update_lead(
        self, organization_id: str, lead_id: str, change: Callable[[bytes], ObjectRow],
        *, record: Recorder | None,
        activity: Callable[[bytes, bytes], tuple[ActivityRow, Sequence[EventRow]] | None],
    ) -> bytes | None:  # fmt: skip
        return await self.db.write(
            tenant(organization_id), update_lead_recording_change, organization_id, lead_id,
            change, record, activity,
        )  # fmt: skip
