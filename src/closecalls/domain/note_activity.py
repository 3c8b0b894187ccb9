"""The Note activity: rich text by the calls' rules, a title, pinning and file attachments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain.activity import (
    BASE_CREATE_FIELDS,
    ActivityType,
    References,
    attach,
    base_fields,
    clean_attachments,
    updated_base,
    validate,
)
from closecalls.domain.fields import Field
from closecalls.domain.notes import resolve_notes
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

NOTE_TYPE = "Note"
# Close takes only files uploaded through its Files API.
FILE_URL_PREFIX = "https://app.close.com/go/file/"

CREATE_SCHEMA: Mapping[str, Field] = {
    **BASE_CREATE_FIELDS,
    "note": Field("string"),
    "note_html": Field("string"),
    "title": Field("string"),
    "pinned": Field("boolean"),
    "attachments": Field("array"),
}
UPDATE_SCHEMA: Mapping[str, Field] = {
    name: CREATE_SCHEMA[name]
    for name in (
        "activity_at", "attachments", "contact_id", "note", "note_html", "pinned", "title",
    )
}  # fmt: skip


def _check(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
    if cleaned.get("attachments") is not None and "attachments" not in field_errors:
        try:
            cleaned["attachments"] = clean_attachments(
                cleaned["attachments"], required=("url", "filename"), url_prefix=FILE_URL_PREFIX
            )
        except ValueError as problem:
            field_errors["attachments"] = str(problem)


def validate_create(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean a create body: a note belongs to a lead."""
    cleaned = validate(CREATE_SCHEMA, body, phone_region=phone_region, refs=refs,
                       required=("lead_id",), check=_check)  # fmt: skip
    return {**cleaned, **attach(cleaned, None, refs)}


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean an update body: only the keys sent, each by the create rules."""
    return validate(UPDATE_SCHEMA, body, phone_region=phone_region, refs=refs, check=_check)


def _pinning(cleaned: Mapping[str, Any], current: Mapping[str, Any], now: datetime) -> Any:
    """`pinned_at`: when the note was pinned, kept while it stays pinned."""
    if "pinned" not in cleaned or cleaned["pinned"] is None:
        return current.get("pinned_at")
    if not cleaned["pinned"]:
        return None
    return current.get("pinned_at") or format_timestamp(now)


def new_note(
    cleaned: Mapping[str, Any],
    *,
    activity_id: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """The full NoteActivity document for a validated create body."""
    pinned_at = _pinning(cleaned, {}, now)
    return {
        **base_fields(
            cleaned, activity_id=activity_id, activity_type=NOTE_TYPE, now=now,
            principal=principal, user_names=user_names,
        ),
        **(resolve_notes(cleaned) or {"note": "", "note_html": ""}),
        "title": cleaned.get("title"),
        "pinned": pinned_at is not None,
        "pinned_at": pinned_at,
        "attachments": cleaned.get("attachments") or [],
    }  # fmt: skip


def apply_update(
    note: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    refs: References,
) -> dict[str, Any]:
    """The note after a partial update: `note` and `note_html` follow each other."""
    updated = updated_base(note, cleaned, now=now, principal=principal, refs=refs,
                           copied=("title",))  # fmt: skip
    updated.update(resolve_notes(cleaned))
    if "attachments" in cleaned:
        updated["attachments"] = cleaned["attachments"] or []
    updated["pinned_at"] = _pinning(cleaned, note, now)
    updated["pinned"] = updated["pinned_at"] is not None
    return updated


KIND = ActivityType(
    name=NOTE_TYPE, path="note", create_schema=CREATE_SCHEMA, update_schema=UPDATE_SCHEMA,
    validate_create=validate_create, validate_update=validate_update, new=new_note,
    apply_update=apply_update,
)  # fmt: skip
