"""What the OpenAPI document says of the SMS, note and meeting resources and the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from closecalls.domain import meetings, note_activity, sms
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
}
# Bodies for the documentation; the generated ones would name a lead that does not exist.
BODIES: Mapping[str, Any] = {
    "CreateSMSActivity": {"status": "sent", "text": "On my way", "remote_phone": "+16505551234"},
    "UpdateSMSActivity": {"text": "On my way!"},
    "CreateNoteActivity": {"lead_id": "lead_example", "note": "Called back, wants a demo."},
    "UpdateNoteActivity": {"note_html": "<p>Called back, <b>wants a demo</b>.</p>"},
    "UpdateMeetingActivity": {"user_note_html": "<p>Went well</p>"},
}
HINTS: Mapping[str, Any] = {
    "attachments": {"type": "array", "items": {"type": "object"}},
    "attendees": {"type": "array", "items": {"type": "object"}},
    "transcripts": {"type": ["array", "null"], "items": {"type": "object"}},
    "cost": {"type": ["string", "number", "null"]},
    "pinned_at": {"type": ["string", "null"], "format": "date-time"},
}
