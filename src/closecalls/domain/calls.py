"""The Call activity: its request schema, defaults and derived fields, as Close has them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain.activity import (
    BASE_CREATE_FIELDS,
    REFERENCE_KEYS,
    ActivityType,
    ReferencedIds,
    References,
    attach,
    base_fields,
    referenced_ids,
    updated_base,
    validate,
)
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field
from closecalls.domain.notes import resolve_notes
from closecalls.domain.phones import Phone
from closecalls.domain.principal import Principal

CALL_TYPE = "Call"
MAX_DURATION = 604_800
DIRECTIONS = ("inbound", "outbound")
STATUSES = (
    "created",
    "in-progress",
    "completed",
    "cancel",
    "no-answer",
    "busy",
    "failed",
    "timeout",
)
SOURCES = ("Close.io", "External")
DISPOSITIONS = (
    "answered", "no-answer", "vm-answer", "vm-left", "busy", "blocked", "error", "abandoned",
)  # fmt: skip

# The seed's CreateCallActivity, plus `disposition`, which Close accepts and echoes.
CREATE_SCHEMA: Mapping[str, Field] = {
    **BASE_CREATE_FIELDS,
    "direction": Field("choice", DIRECTIONS),
    "status": Field("choice", STATUSES, default="completed"),
    "source": Field("choice", SOURCES, default="External"),
    "disposition": Field("choice", DISPOSITIONS),
    "duration": Field("integer", minimum=0, maximum=MAX_DURATION, default=0),
    "phone": Field("phone"),
    "note": Field("string"),
    "note_html": Field("string"),
    "recording_url": Field("https_url"),
    "voicemail_url": Field("url"),
    "outcome_id": Field("string"),
    "custom_fields": Field("object"),
    "conversation_type_id": Field("string"),
    "playbook_id": Field("string"),
    "quality_info": Field("string", default=""),
}

# The seed's UpdateCallActivity, plus `direction` and `disposition`, which clients send for
# External calls. `source`, `date_created`, `created_by_id`, `organization_id` are fixed.
UPDATE_SCHEMA: Mapping[str, Field] = {
    name: CREATE_SCHEMA[name]
    for name in (
        "activity_at", "contact_id", "conversation_type_id", "custom_fields", "duration",
        "lead_id", "note", "note_html", "outcome_id", "phone", "playbook_id", "quality_info",
        "recording_url", "status", "user_id", "voicemail_url", "direction", "disposition",
    )
}  # fmt: skip

# Close's own telephony owns these facts of a call it carried; only External calls may move them.
VOIP_FIXED = ("status", "duration", "direction")
VOIP_FIXED_MESSAGE = "This field cannot be changed on a call made through Close's telephony."

# Loaded only when asked for with `_fields` (Close's transcripts); we hold none.
OPTIONAL_FIELDS = ("recording_transcript", "voicemail_transcript")


def attach_by_phone(cleaned: Mapping[str, Any], matches: list[tuple[str, str]]) -> dict[str, Any]:
    """With `--match-phone`: an unattached call takes the newest contact with its number."""
    if cleaned.get("lead_id") or cleaned.get("contact_id") or not matches:
        return dict(cleaned)
    contact_id, lead_id = matches[0]
    return {**cleaned, "contact_id": contact_id, "lead_id": lead_id}


def validate_create(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean a create body, naming every bad field (and unknown reference) at once."""
    cleaned = validate(CREATE_SCHEMA, body, phone_region=phone_region, refs=refs)
    return {**cleaned, **attach(cleaned, None, refs)}


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean an update body: only the keys sent, each by the create rules."""
    return validate(UPDATE_SCHEMA, body, phone_region=phone_region, refs=refs)


def phone_fields(phone: Phone | None) -> dict[str, str | None]:
    """`phone` is the remote party's number; Close mirrors it in `remote_phone*`."""
    if phone is None:
        return {
            "phone": None,
            "remote_phone": None,
            "remote_phone_formatted": None,
            "remote_country_iso": None,
        }
    return {
        "phone": phone.e164,
        "remote_phone": phone.e164,
        "remote_phone_formatted": phone.formatted,
        "remote_country_iso": phone.country_iso,
    }


def new_call(
    cleaned: Mapping[str, Any],
    *,
    call_id: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """The full CallActivity document for a validated create body."""
    recording_url = cleaned.get("recording_url")
    notes = resolve_notes(cleaned) or {"note": None, "note_html": None}
    return {
        **base_fields(
            cleaned,
            activity_id=call_id,
            activity_type=CALL_TYPE,
            now=now,
            principal=principal,
            user_names=user_names,
        ),
        "direction": cleaned.get("direction"),
        "status": cleaned.get("status", "completed"),
        "disposition": cleaned.get("disposition"),
        "call_method": "external",
        "source": cleaned.get("source", "External"),
        "duration": cleaned.get("duration", 0),
        **phone_fields(cleaned.get("phone")),
        "local_phone": None,
        "local_phone_formatted": None,
        "local_country_iso": None,
        **notes,
        "recording_url": recording_url,
        "has_recording": recording_url is not None,
        "voicemail_url": cleaned.get("voicemail_url"),
        "voicemail_duration": 0,
        "outcome_id": cleaned.get("outcome_id"),
        "quality_info": cleaned.get("quality_info", ""),
        "cost": None,
        "transferred_from": None,
        "transferred_to": None,
        "dialer_id": None,
        "dialer_saved_search_id": None,
        "sequence_id": None,
        "sequence_name": None,
        "sequence_subscription_id": None,
        "custom_fields": cleaned.get("custom_fields"),
        "conversation_type_id": cleaned.get("conversation_type_id"),
        "playbook_id": cleaned.get("playbook_id"),
    }


def apply_update(
    call: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    refs: References,
) -> dict[str, Any]:
    """The call after a partial update: only sent fields change, derived ones follow."""
    if call["source"] == "Close.io":
        refused = {
            name: VOIP_FIXED_MESSAGE
            for name in VOIP_FIXED
            if name in cleaned and cleaned[name] != call[name]
        }
        if refused:
            raise ValidationFailed(refused)
    updated = updated_base(call, cleaned, now=now, principal=principal, refs=refs, copied=(
        "direction", "status", "disposition", "duration", "outcome_id", "custom_fields",
        "conversation_type_id", "playbook_id", "quality_info", "voicemail_url",
    ))  # fmt: skip
    if "phone" in cleaned:
        updated.update(phone_fields(cleaned["phone"]))
    if "recording_url" in cleaned:
        updated["recording_url"] = cleaned["recording_url"]
        updated["has_recording"] = cleaned["recording_url"] is not None
    updated.update(resolve_notes(cleaned))
    return updated


def _new(cleaned: Mapping[str, Any], *, activity_id: str, **context: Any) -> dict[str, Any]:
    return new_call(cleaned, call_id=activity_id, **context)


KIND = ActivityType(
    name=CALL_TYPE, path="call", create_schema=CREATE_SCHEMA, update_schema=UPDATE_SCHEMA,
    validate_create=validate_create, validate_update=validate_update, new=_new,
    apply_update=apply_update, optional_fields=OPTIONAL_FIELDS,
)  # fmt: skip
__all__ = [
    "REFERENCE_KEYS", "ReferencedIds", "References", "attach", "referenced_ids", "resolve_notes",
]  # fmt: skip
