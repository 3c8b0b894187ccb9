"""Events: what changed, by whom and in which request, as Close's event log records it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from closecalls.domain.times import format_timestamp, to_micros

# Stored kinds (and activity `_type`s) as Close's event `object_type`s.
D = TypeVar("D")

OBJECT_TYPES = {"lead": "lead", "contact": "contact", "outcome": "outcome", "Call": "activity.call",
                "LeadStatusChange": "activity.lead_status_change"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EventContext:
    """Who made a change and through which request: shared by every event it causes."""

    organization_id: str
    user_id: str | None
    api_key_id: str | None
    request_id: str
    request_method: str
    request_path: str
    # The OAuth app whose access token made the change (`api_key_id` is then null, as Close).
    oauth_client_id: str | None = None

    def meta(self) -> dict[str, str]:
        """The event's `meta`: the request, and the OAuth app behind it if any."""
        meta = {"request_method": self.request_method, "request_path": self.request_path}
        if self.oauth_client_id is not None:
            meta["oauth_client_id"] = self.oauth_client_id
        return meta


@dataclass(frozen=True, slots=True)
class Event(Generic[D]):
    """One event, its indexed columns and its document: a dict as built, bytes as stored."""

    id: str
    organization_id: str
    object_type: str
    object_id: str
    action: str
    lead_id: str | None
    user_id: str | None
    request_id: str | None
    date_created: int
    date_updated: int
    document: D

    def stored(self, document: bytes) -> Event[bytes]:
        """The event with its document encoded, as the store writes it."""
        return Event(
            self.id, self.organization_id, self.object_type, self.object_id, self.action,
            self.lead_id, self.user_id, self.request_id, self.date_created, self.date_updated,
            document,
        )  # fmt: skip


def format_event_time(moment: datetime) -> str:
    """Close's event timestamps carry no zone: `2019-01-15T12:48:23.395000` (UTC)."""
    return format_timestamp(moment)[: -len("+00:00")]


def object_type_of(kind: str) -> str:
    """The event `object_type` of a stored kind or activity type (`task.lead` is its own)."""
    if "." in kind:
        return kind
    return OBJECT_TYPES.get(kind) or f"activity.{kind.lower()}"


def lead_of(object_type: str, document: dict[str, Any]) -> str | None:
    """The lead an object belongs to: a lead is its own."""
    if object_type == "lead":
        return str(document["id"])
    lead_id = document.get("lead_id")
    return lead_id if isinstance(lead_id, str) else None


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys whose values differ, in the new document's order."""
    keys = [*after, *(key for key in before if key not in after)]
    return [key for key in keys if before.get(key) != after.get(key)]


def new_event(
    context: EventContext,
    *,
    event_id: str,
    now: datetime,
    kind: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> Event[dict[str, Any]]:
    """The event of one create (no `before`), update (both) or delete (no `after`)."""
    current = after if after is not None else before
    assert current is not None, "an event needs the object before or after the change"
    object_type = object_type_of(kind)
    stamp = format_event_time(now)
    changed_fields: list[str] | None = None
    previous_data: dict[str, Any] | None = None
    if before is not None and after is not None:
        changed_fields = changes(before, after)
        previous_data = {key: before.get(key) for key in changed_fields}
    elif after is None:
        previous_data = before
    lead_id = lead_of(object_type, current)
    document: dict[str, Any] = {
        "id": event_id,
        "date_created": stamp,
        "date_updated": stamp,
        "organization_id": context.organization_id,
        "user_id": context.user_id,
        "request_id": context.request_id,
        "api_key_id": context.api_key_id,
        "object_type": object_type,
        "object_id": current["id"],
        "lead_id": lead_id,
        "action": action,
        "changed_fields": changed_fields or [],
        "previous_data": previous_data or {},
        "meta": context.meta(),
        "data": after,
    }
    micros = to_micros(now)
    return Event(
        id=event_id, organization_id=context.organization_id, object_type=object_type,
        object_id=current["id"], action=action, lead_id=lead_id, user_id=context.user_id,
        request_id=context.request_id, date_created=micros, date_updated=micros,
        document=document,
    )  # fmt: skip


def created_event(
    context: EventContext,
    *,
    event_id: str,
    now: datetime,
    kind: str,
    object_id: str,
    lead_id: str | None,
) -> Event[dict[str, Any]]:
    """A `created` event whose `data`, the last key, the caller appends as stored bytes.

    Creates are the hot path: the new object's document is already encoded, so it is
    not decoded and encoded again inside its event.
    """
    stamp = format_event_time(now)
    micros = to_micros(now)
    object_type = object_type_of(kind)
    document: dict[str, Any] = {
        "id": event_id, "date_created": stamp, "date_updated": stamp,
        "organization_id": context.organization_id, "user_id": context.user_id,
        "request_id": context.request_id, "api_key_id": context.api_key_id,
        "object_type": object_type, "object_id": object_id, "lead_id": lead_id,
        "action": "created", "changed_fields": [], "previous_data": {},
        "meta": context.meta(),
    }  # fmt: skip
    return Event(
        id=event_id, organization_id=context.organization_id, object_type=object_type,
        object_id=object_id, action="created", lead_id=lead_id, user_id=context.user_id,
        request_id=context.request_id, date_created=micros, date_updated=micros,
        document=document,
    )  # fmt: skip


def deletion_events(
    context: EventContext,
    *,
    new_id: Callable[[], str],
    now: datetime,
    deleted: Iterable[tuple[str, dict[str, Any]]],
) -> list[Event[dict[str, Any]]]:
    """One `deleted` event per (kind, document) removed, children before their lead."""
    ordered = sorted(deleted, key=lambda item: item[0] == "lead")
    return [
        new_event(context, event_id=new_id(), now=now, kind=kind, action="deleted",
                  before=document, after=None)
        for kind, document in ordered
    ]  # fmt: skip
