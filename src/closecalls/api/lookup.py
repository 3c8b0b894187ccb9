"""Run a lead or contact search: narrow by index where the condition allows, then match."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import msgspec

from closecalls.domain.lead_query import Sort
from closecalls.domain.search import Lookup, Node, Record, lookup, matches
from closecalls.store.store import Store

decode = msgspec.json.Decoder().decode
# Leads read per query while scanning: big enough to be few queries, small enough for IN (...).
SCAN_BATCH = 5_000


async def _contacts_of(
    store: Store, organization_id: str, lead_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    by_lead: dict[str, list[dict[str, Any]]] = {lead_id: [] for lead_id in lead_ids}
    for start in range(0, len(lead_ids), SCAN_BATCH):
        batch = tuple(lead_ids[start : start + SCAN_BATCH])
        documents, _ = await store.list_objects(
            organization_id, "contact", parent_ids=batch, limit=len(batch) * 1_000, skip=0,
            newest_first=False,
        )  # fmt: skip
        for contact in map(decode, documents):
            by_lead[contact["lead_id"]].append(contact)
    return by_lead


async def _all_leads(store: Store, organization_id: str) -> list[dict[str, Any]]:
    leads: list[dict[str, Any]] = []
    while True:
        documents, has_more = await store.list_objects(
            organization_id, "lead", parent_ids=None, limit=SCAN_BATCH, skip=len(leads),
            newest_first=False,
        )  # fmt: skip
        leads.extend(map(decode, documents))
        if not has_more:
            return leads


async def _candidate_leads(
    store: Store, organization_id: str, found: Lookup, object_type: str
) -> list[dict[str, Any]]:
    lead_ids: set[str] = set()
    for phone in found.phones:
        lead_ids.update(
            lead_id for _, lead_id in await store.contacts_by_phone(organization_id, phone)
        )
    for email in found.emails:
        lead_ids.update(
            lead_id for _, lead_id in await store.contacts_by_email(organization_id, email)
        )
    if found.ids:
        if object_type == "lead":
            lead_ids.update(found.ids)
        else:
            known = await store.find_objects(organization_id, found.ids)
            lead_ids.update(
                parent for kind, parent in known.values() if kind == "contact" and parent
            )
    documents = await store.get_objects(organization_id, "lead", sorted(lead_ids))
    return [decode(document) for document in documents.values()]


def _records(
    leads: Iterable[dict[str, Any]],
    contacts: dict[str, list[dict[str, Any]]],
    object_type: Literal["lead", "contact"],
) -> list[Record]:
    if object_type == "lead":
        return [Record(lead, contacts[lead["id"]]) for lead in leads]
    return [
        Record(lead, [contact], "contact") for lead in leads for contact in contacts[lead["id"]]
    ]


def _sort_key(sort: Sort) -> Any:
    if sort.field == "display_name":
        return lambda record: (str(record.document.get("display_name") or "").casefold(),
                               record.document["id"])  # fmt: skip
    return lambda record: (record.document.get(sort.field) or "", record.document["id"])


async def search(
    store: Store,
    organization_id: str,
    condition: Node,
    *,
    object_type: Literal["lead", "contact"],
    sort: Sort,
) -> list[Record]:
    """Every lead (or contact) of the organization that matches, in the sort's order."""
    found = lookup(condition)
    if found is None:
        leads = await _all_leads(store, organization_id)
    else:
        leads = await _candidate_leads(store, organization_id, found, object_type)
    contacts = await _contacts_of(store, organization_id, [lead["id"] for lead in leads])
    hits = [
        record for record in _records(leads, contacts, object_type) if matches(condition, record)
    ]
    hits.sort(key=_sort_key(sort), reverse=sort.descending)
    return hits
