"""The Meeting activity: read, noted and given an outcome by integrations; made by calendars."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.activity import (
    ActivityType,
    References,
    attach,
    base_fields,
    updated_base,
    validate,
)
from closecalls.domain.fields import Field
from closecalls.domain.notes import resolve_notes
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

MEETING_TYPE = "Meeting"
STATUSES = (
    "upcoming", "in-progress", "completed", "canceled", "declined-by-lead", "declined-by-org",
)  # fmt: skip
# Loaded only when asked for with `_fields`, as Close loads transcripts.
OPTIONAL_FIELDS = ("transcripts",)

# What Close's calendar sync would bring; only the admin API creates meetings.
CREATE_SCHEMA: Mapping[str, Field] = {
    "lead_id": Field("string"),
    "contact_id": Field("string"),
    "user_id": Field("string"),
    "activity_at": Field("datetime"),
    "date_created": Field("datetime"),
    "title": Field("string", default=""),
    "location": Field("string"),
    "status": Field("choice", STATUSES, default="completed"),
    "starts_at": Field("datetime"),
    "ends_at": Field("datetime"),
    "attendees": Field("array"),
    "user_note_html": Field("string"),
    "outcome_id": Field("string"),
    "transcripts": Field("array"),
}
# Close: "Most commonly this can be used to update a meeting's user_note_html or outcome_id."
UPDATE_SCHEMA: Mapping[str, Field] = {
    "user_note_html": Field("string"),
    "user_note": Field("string"),
    "outcome_id": Field("string"),
}


def _check_times(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
    starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
    if starts is not None and ends is not None and ends < starts:
        field_errors.setdefault("ends_at", "A meeting cannot end before it starts.")
    if cleaned.get("lead_id") is None and "lead_id" not in field_errors:
        field_errors["lead_id"] = errors.REQUIRED


def validate_create(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean a meeting as the admin API receives it."""
    cleaned = validate(CREATE_SCHEMA, body, phone_region=phone_region, refs=refs,
                       check=_check_times)  # fmt: skip
    return {**cleaned, **attach(cleaned, None, refs)}


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean an update body: the user's note and the outcome."""
    return validate(UPDATE_SCHEMA, body, phone_region=phone_region, refs=refs)


def _user_note(cleaned: Mapping[str, Any]) -> dict[str, str | None]:
    return resolve_notes(cleaned, "user_note", "user_note_html")


def new_meeting(
    cleaned: Mapping[str, Any],
    *,
    activity_id: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """The full MeetingActivity document (transcripts are served only through `_fields`)."""
    starts: datetime = cleaned.get("starts_at") or cleaned.get("activity_at") or now
    ends: datetime = cleaned.get("ends_at") or starts
    base = base_fields(
        {"activity_at": starts, **cleaned}, activity_id=activity_id, activity_type=MEETING_TYPE,
        now=now, principal=principal, user_names=user_names,
    )  # fmt: skip
    return {
        **base,
        "title": cleaned.get("title", ""),
        "location": cleaned.get("location"),
        "status": cleaned.get("status", "completed"),
        "source": "calendar",
        "starts_at": format_timestamp(starts),
        "ends_at": format_timestamp(ends),
        "duration": int((ends - starts).total_seconds()),
        "is_recurring": False,
        "attendees": cleaned.get("attendees") or [],
        "user_note": None,
        "user_note_html": None,
        **_user_note(cleaned),
        "outcome_id": cleaned.get("outcome_id"),
        "transcripts": cleaned.get("transcripts") or [],
    }


def apply_update(
    meeting: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    refs: References,
) -> dict[str, Any]:
    """The meeting after an update of its note or outcome."""
    updated = updated_base(meeting, cleaned, now=now, principal=principal, refs=refs,
                           copied=("outcome_id",))  # fmt: skip
    updated.update(_user_note(cleaned))
    return updated


KIND = ActivityType(
    name=MEETING_TYPE, path="meeting", create_schema=CREATE_SCHEMA, update_schema=UPDATE_SCHEMA,
    validate_create=validate_create, validate_update=validate_update, new=new_meeting,
    apply_update=apply_update, optional_fields=OPTIONAL_FIELDS, public_create=False,
    stores_optional_fields=True,
)  # fmt: skip
