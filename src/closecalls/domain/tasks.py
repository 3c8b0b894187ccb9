"""Tasks: Close's task types, dates, assignment, completion and the views they fall in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from closecalls.domain import errors
from closecalls.domain.activity import WRONG_LEAD, References, base_fields, validate
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field
from closecalls.domain.phones import Phone
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp, parse_timestamp, to_micros

LEAD = "lead"
TYPES = (
    "lead", "outgoing_call", "incoming_email", "email_followup", "missed_call",
    "answered_detached_call", "voicemail", "opportunity_due", "incoming_sms",
)  # fmt: skip
# "Currently only tasks of type `lead` and `outgoing_call` can be created."
CREATABLE = ("lead", "outgoing_call")
NOT_CREATABLE = "Currently only tasks of type lead and outgoing_call can be created."
TEXT_ON_LEAD_TASKS = "Only the text of a lead task can be changed."
TASK_COMPLETED = "TaskCompleted"

CREATE_SCHEMA: Mapping[str, Field] = {
    "_type": Field("choice", TYPES, default=LEAD),
    "lead_id": Field("string"),
    "contact_id": Field("string"),
    "assigned_to": Field("string"),
    "text": Field("string", default=""),
    "date": Field("string"),
    "is_complete": Field("boolean", default=False),
    "priority": Field("choice", ("high", "medium")),
}
# What Close's own telephony and inbox put on the tasks they raise (seeds and the admin API).
SYSTEM_SCHEMA: Mapping[str, Field] = {
    **CREATE_SCHEMA,
    "object_id": Field("string"),
    "phone": Field("phone"),
    "local_phone": Field("phone"),
    "phone_number_description": Field("string"),
    "voicemail_url": Field("url"),
    "voicemail_duration": Field("integer", minimum=0),
    "subject": Field("string"),
}
UPDATE_SCHEMA: Mapping[str, Field] = {
    "assigned_to": Field("string"),
    "date": Field("string"),
    "is_complete": Field("boolean"),
    "text": Field("string"),
    "priority": Field("choice", ("high", "medium")),
    "resolution": Field("choice", ("abandoned", "skipped")),
}
# "Only the `assigned_to`, `date` and `is_complete` fields may be updated" in bulk.
BULK_SCHEMA: Mapping[str, Field] = {
    name: UPDATE_SCHEMA[name] for name in ("assigned_to", "date", "is_complete")
}
# The object each system task points at (`object_type`), by task type.
OBJECT_TYPES: Mapping[str, str] = {
    "missed_call": "call", "answered_detached_call": "call", "voicemail": "call",
    "incoming_email": "emailthread", "email_followup": "emailthread",
    "incoming_sms": "sms", "opportunity_due": "opportunity",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaskDate:
    """A task's date as served (a day or a moment) and as ordered (microseconds, UTC)."""

    served: str
    micros: int
    dateless: bool = False


def parse_task_date(raw: str) -> TaskDate:
    """`2026-01-09` or an ISO 8601 date-time; ValueError otherwise."""
    text = raw.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return TaskDate(day.isoformat(), to_micros(start))
    moment = parse_timestamp(text)
    return TaskDate(format_timestamp(moment), to_micros(moment))


def today(now: datetime) -> TaskDate:
    """A dateless task's date: today, in UTC."""
    day = now.astimezone(UTC).date()
    start = to_micros(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return TaskDate(day.isoformat(), start, dateless=True)


def date_micros(task: Mapping[str, Any]) -> int:
    """The column a task is ordered and filtered by, from its served `date`."""
    return parse_task_date(task["date"]).micros


def view_of(task: Mapping[str, Any], *, now: datetime, offset: timedelta = timedelta(0)) -> str:
    """`archive` when complete; `inbox` up to the end of the caller's day; else `future`."""
    if task["is_complete"]:
        return "archive"
    return "inbox" if date_micros(task) < end_of_day(now, offset) else "future"


def end_of_day(now: datetime, offset: timedelta) -> int:
    """The start of the caller's tomorrow, in microseconds (their zone is `offset` from UTC)."""
    local = (now.astimezone(UTC) + offset).date() + timedelta(days=1)
    return to_micros(datetime(local.year, local.month, local.day, tzinfo=UTC) - offset)


def _check(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
    raw = cleaned.get("date")
    if raw is not None and "date" not in field_errors:
        try:
            cleaned["date"] = parse_task_date(raw)
        except (ValueError, OverflowError):
            field_errors["date"] = errors.BAD_DATETIME


def validate_create(
    body: Mapping[str, Any], *, phone_region: str, refs: References, system: bool = False
) -> dict[str, Any]:
    """Clean a create body; only the admin API and seeds (`system`) raise Close's own types."""

    def check(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
        _check(cleaned, field_errors)
        kind = cleaned.get("_type", LEAD)
        if not system and kind not in CREATABLE and "_type" not in field_errors:
            field_errors["_type"] = NOT_CREATABLE
        contact, lead = cleaned.get("contact_id"), cleaned.get("lead_id")
        owner = refs.contact_leads.get(contact) if contact else None
        if owner is not None and lead is not None and owner != lead:
            field_errors.setdefault("contact_id", WRONG_LEAD)

    schema = SYSTEM_SCHEMA if system else CREATE_SCHEMA
    return validate(schema, body, phone_region=phone_region, refs=refs, required=("lead_id",),
                    check=check)  # fmt: skip


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References, bulk: bool = False
) -> dict[str, Any]:
    """Clean an update body (or a bulk update's, which may change fewer fields)."""
    schema = BULK_SCHEMA if bulk else UPDATE_SCHEMA
    return validate(schema, body, phone_region=phone_region, refs=refs, check=_check)


def _phone_fields(prefix: str, phone: Phone | None) -> dict[str, Any]:
    if phone is None:
        return {}
    return {prefix: phone.e164, f"{prefix}_formatted": phone.formatted}


def new_task(
    cleaned: Mapping[str, Any],
    *,
    task_id: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
    lead_name: str | None,
    contact_name: str | None,
) -> dict[str, Any]:
    """The full task document for a validated create body."""
    kind = cleaned.get("_type", LEAD)
    when: TaskDate = cleaned.get("date") or today(now)
    assigned_to = cleaned.get("assigned_to") or principal.user_id
    stamp = format_timestamp(now)
    task = {
        "id": task_id,
        "_type": kind,
        "organization_id": principal.organization_id,
        "lead_id": cleaned["lead_id"],
        "lead_name": lead_name,
        "contact_id": cleaned.get("contact_id"),
        "contact_name": contact_name,
        "text": cleaned.get("text", ""),
        "assigned_to": assigned_to,
        "assigned_to_name": user_names.get(assigned_to),
        "date": when.served,
        "due_date": None,
        "is_dateless": when.dateless,
        "is_complete": False,
        "view": "inbox",
        "priority": cleaned.get("priority"),
        "resolution": None,
        "object_type": OBJECT_TYPES.get(kind),
        "object_id": cleaned.get("object_id"),
        "created_by": principal.user_id,
        "created_by_name": principal.user_name,
        "updated_by": principal.user_id,
        "updated_by_name": principal.user_name,
        "date_created": stamp,
        "date_updated": stamp,
    }
    task.update(_phone_fields("phone", cleaned.get("phone")))
    task.update(_phone_fields("local_phone", cleaned.get("local_phone")))
    for name in ("phone_number_description", "voicemail_url", "voicemail_duration", "subject"):
        if name in cleaned:
            task[name] = cleaned[name]
    return task


def apply_update(
    task: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """The task after an update; the caller records a completion when it completes."""
    if "text" in cleaned and task["_type"] != LEAD and cleaned["text"] != task["text"]:
        raise ValidationFailed({"text": TEXT_ON_LEAD_TASKS})
    updated = dict(task)
    for name in ("text", "priority", "resolution"):
        if name in cleaned:
            updated[name] = cleaned[name] if name != "text" else cleaned[name] or ""
    if "assigned_to" in cleaned:
        assigned_to = cleaned["assigned_to"] or principal.user_id
        updated["assigned_to"] = assigned_to
        updated["assigned_to_name"] = user_names.get(assigned_to)
    if "date" in cleaned:
        when: TaskDate = cleaned["date"] or today(now)
        updated["date"], updated["is_dateless"] = when.served, when.dateless
    if cleaned.get("is_complete") is not None:
        updated["is_complete"] = cleaned["is_complete"]
        if task["_type"] == LEAD and not updated["is_complete"]:
            updated["object_type"] = updated["object_id"] = None
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    updated["updated_by_name"] = principal.user_name
    return updated


def completes(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether this change completes the task (Close then records a TaskCompleted activity)."""
    return bool(after["is_complete"]) and not before.get("is_complete")


def completion(
    task: dict[str, Any], *, activity_id: str, now: datetime, principal: Principal
) -> dict[str, Any]:
    """The TaskCompleted activity of a task completed now; a lead task points at it."""
    activity = {
        **base_fields(
            {"lead_id": task["lead_id"], "contact_id": task["contact_id"]},
            activity_id=activity_id, activity_type=TASK_COMPLETED, now=now, principal=principal,
            user_names={principal.user_id: principal.user_name},
        ),
        "task_id": task["id"],
        "task_text": task["text"],
        "task_assigned_to": task["assigned_to"],
        "task_assigned_to_name": task["assigned_to_name"],
    }  # fmt: skip
    if task["_type"] == LEAD:
        task["object_type"], task["object_id"] = "taskcompleted", activity_id
    return activity
