"""What the OpenAPI document says of the SMS, note and meeting resources and the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from closecalls.domain import meetings, note_activity, sms, tasks
from closecalls.domain.activity import ActivityType, References
from closecalls.domain.fields import Field
from closecalls.domain.principal import Principal

_SAMPLE_TIME = datetime(2026, 1, 9, 14, 35, 8, 272000, tzinfo=UTC)
_CALLER = Principal(
    organization_id="orga_example", user_id="user_example", user_name="API User",
    credential_id="api_example",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Resource:
    """One typed activity resource: its handlers, schema names and example bodies."""

    handlers: str
    kind: ActivityType
    schema: str
    create_body: str | None
    update_body: str
    samples: tuple[Mapping[str, Any], ...]


def _samples(kind: ActivityType, *bodies: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """Documents built by the type's own functions from these create bodies."""
    names = {_CALLER.user_id: _CALLER.user_name}
    refs = References(users=names, leads=frozenset({"lead_example"}))
    return tuple(
        kind.new(
            kind.validate_create(body, phone_region="US", refs=refs), activity_id="acti_example",
            now=_SAMPLE_TIME, principal=_CALLER, user_names=names,
        )
        for body in bodies
    )  # fmt: skip


RESOURCES = (
    Resource(
        "SmsHandlers", sms.KIND, "SMSActivity", "CreateSMSActivity", "UpdateSMSActivity",
        _samples(
            sms.KIND,
            {"status": "sent", "text": "Hi", "remote_phone": "+16505551234",
             "local_phone": "+16505550000", "lead_id": "lead_example",
             "date_scheduled": "2026-01-10T09:00:00+00:00",
             "attachments": [{"url": "https://example.com/a.png", "filename": "a.png",
                              "content_type": "image/png"}]},
            {"status": "draft"},
        ),
    ),
    Resource(
        "NoteHandlers", note_activity.KIND, "NoteActivity", "CreateNoteActivity",
        "UpdateNoteActivity",
        _samples(
            note_activity.KIND,
            {"lead_id": "lead_example", "note": "Called back", "title": "Follow-up",
             "pinned": True,
             "attachments": [{"url": "https://app.close.com/go/file/x", "filename": "x.pdf",
                              "content_type": "application/pdf"}]},
            {"lead_id": "lead_example"},
        ),
    ),
    Resource(
        "MeetingHandlers", meetings.KIND, "MeetingActivity", None, "UpdateMeetingActivity",
        _samples(
            meetings.KIND,
            {"lead_id": "lead_example", "title": "Demo", "location": "Zoom",
             "user_note_html": "<p>Went well</p>", "outcome_id": None,
             "attendees": [{"email": "ann@example.com"}]},
            {"lead_id": "lead_example"},
        ),
    ),
)  # fmt: skip

REQUEST_BODIES: Mapping[str, Mapping[str, Field]] = {
    **{r.create_body: r.kind.create_schema for r in RESOURCES if r.create_body},
    **{r.update_body: r.kind.update_schema for r in RESOURCES},
    "CreateTask": tasks.CREATE_SCHEMA,
    "UpdateTask": tasks.UPDATE_SCHEMA,
    "BulkUpdateTask": tasks.BULK_SCHEMA,
}


def task_samples() -> list[dict[str, Any]]:
    """Two task documents from `new_task`: a lead task with every key, and a bare one."""
    names = {_CALLER.user_id: _CALLER.user_name}
    refs = References(users=names, leads=frozenset({"lead_example"}))
    bodies = (
        {"lead_id": "lead_example", "text": "Call back", "date": "2026-01-10", "priority": "high"},
        {"lead_id": "lead_example"},
    )
    return [
        tasks.new_task(
            tasks.validate_create(body, phone_region="US", refs=refs), task_id="task_example",
            now=_SAMPLE_TIME, principal=_CALLER, user_names=names, lead_name=lead_name,
            contact_name=None,
        )
        for body, lead_name in zip(bodies, ("Acme", None), strict=True)
    ]  # fmt: skip


# Task list and bulk-update filters: (name, description).
TASK_FILTERS = (
    ("_type", "A task type, or `all`; without it only `lead` tasks are listed."),
    ("_type__in", "Comma-separated task types."),
    ("id", "One task id."), ("id__in", "Comma-separated task ids."),
    ("lead_id", "Comma-separated lead ids."), ("assigned_to", "Comma-separated user ids."),
    ("is_complete", "`true` or `false`."),
    ("view", "`inbox`, `future` or `archive`; `inbox`/`future` override date bounds."),
    ("date", "A day: tasks dated within it."),
    *((f"{name}__{c}", f"Bound on `{name}`: a date or datetime.")
      for name in ("date", "date_created", "date_updated") for c in ("gt", "gte", "lt", "lte")),
    ("_order_by", "`date`, `date_created`, `-` for descending."),
    ("organization_id", "The caller's own; any other matches nothing."),
)  # fmt: skip
# Bodies for the documentation; the generated ones would name a lead that does not exist.
BODIES: Mapping[str, Any] = {
    "CreateSMSActivity": {"status": "sent", "text": "On my way", "remote_phone": "+16505551234"},
    "UpdateSMSActivity": {"text": "On my way!"},
    "CreateNoteActivity": {"lead_id": "lead_example", "note": "Called back, wants a demo."},
    "UpdateNoteActivity": {"note_html": "<p>Called back, <b>wants a demo</b>.</p>"},
    "UpdateMeetingActivity": {"user_note_html": "<p>Went well</p>"},
    "CreateTask": {"lead_id": "lead_example", "text": "Call back", "date": "2026-01-10"},
    "UpdateTask": {"is_complete": True},
    "BulkUpdateTask": {"assigned_to": "user_example"},
}
HINTS: Mapping[str, Any] = {
    "attachments": {"type": "array", "items": {"type": "object"}},
    "attendees": {"type": "array", "items": {"type": "object"}},
    "transcripts": {"type": ["array", "null"], "items": {"type": "object"}},
    "cost": {"type": ["string", "number", "null"]},
    "pinned_at": {"type": ["string", "null"], "format": "date-time"},
}
