"""The Call activity: its request schema, defaults and derived fields, as Close has them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, clean_fields
from closecalls.domain.notes import derive_note, derive_note_html
from closecalls.domain.phones import Phone
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

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
    "lead_id": Field("string"),
    "contact_id": Field("string"),
    "user_id": Field("string"),
    "created_by_id": Field("string"),
    "organization_id": Field("string"),
    "activity_at": Field("datetime"),
    "date_created": Field("datetime"),
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

USER_REFERENCES = ("user_id", "created_by_id")
# Keys that must name an object of the caller's organization.
REFERENCE_KEYS = ("lead_id", "contact_id", "outcome_id", *USER_REFERENCES)
WRONG_LEAD = "The contact does not belong to this lead."


@dataclass(frozen=True, slots=True)
class References:
    """What the caller's organization holds of the ids a body names."""

    users: Mapping[str, str]
    leads: frozenset[str] = frozenset()
    contact_leads: Mapping[str, str] = field(default_factory=dict)
    outcomes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReferencedIds:
    """The ids of each kind a body names, to be looked up before validation."""

    users: set[str]
    leads: set[str]
    contacts: set[str]
    outcomes: set[str]


def referenced_ids(body: Mapping[str, Any]) -> ReferencedIds | None:
    """The ids of each kind the body names; None when it names none (most bodies)."""
    if not any(isinstance(body.get(key), str) for key in REFERENCE_KEYS):
        return None

    def named(*keys: str) -> set[str]:
        return {value for key in keys if isinstance(value := body.get(key), str)}

    return ReferencedIds(
        users=named(*USER_REFERENCES),
        leads=named("lead_id"),
        contacts=named("contact_id"),
        outcomes=named("outcome_id"),
    )


def _check_references(
    cleaned: Mapping[str, Any], refs: References, field_errors: dict[str, str]
) -> None:
    known: dict[str, Collection[str]] = {
        "user_id": refs.users, "created_by_id": refs.users, "lead_id": refs.leads,
        "contact_id": refs.contact_leads, "outcome_id": refs.outcomes,
    }  # fmt: skip
    for key, ids in known.items():
        value = cleaned.get(key)
        if value is not None and key not in field_errors and value not in ids:
            field_errors[key] = errors.NO_SUCH_OBJECT


def attach(
    cleaned: Mapping[str, Any], current: Mapping[str, Any] | None, refs: References
) -> dict[str, Any]:
    """Settle `lead_id`/`contact_id`: a contact alone brings its lead; the two must agree.

    `current` is the stored call on update (None on create); the result holds the keys
    that change, and a contact of another lead raises ValidationFailed.
    """
    current = current or {"lead_id": None, "contact_id": None}
    contact_id = cleaned.get("contact_id", current["contact_id"])
    lead_id = cleaned.get("lead_id", current["lead_id"])
    if contact_id is not None and contact_id in refs.contact_leads:
        contact_lead = refs.contact_leads[contact_id]
        if "lead_id" not in cleaned and "contact_id" in cleaned:
            lead_id = contact_lead
        elif lead_id != contact_lead:
            key = "contact_id" if "contact_id" in cleaned else "lead_id"
            raise ValidationFailed({key: WRONG_LEAD})
    return {"lead_id": lead_id, "contact_id": contact_id}


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
    cleaned = _validate(CREATE_SCHEMA, body, phone_region=phone_region, refs=refs)
    return {**cleaned, **attach(cleaned, None, refs)}


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean an update body: only the keys sent, each by the create rules."""
    return _validate(UPDATE_SCHEMA, body, phone_region=phone_region, refs=refs)


def _validate(
    schema: Mapping[str, Field],
    body: Mapping[str, Any],
    *,
    phone_region: str,
    refs: References,
) -> dict[str, Any]:
    cleaned, field_errors = clean_fields(schema, body, phone_region=phone_region)
    _check_references(cleaned, refs, field_errors)
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def resolve_notes(cleaned: Mapping[str, Any]) -> dict[str, str | None]:
    """Setting one of `note`/`note_html` overwrites the other; `note_html` wins when both come."""
    if "note_html" in cleaned:
        note_html = cleaned["note_html"]
        return {
            "note": None if note_html is None else derive_note(note_html),
            "note_html": note_html,
        }
    if "note" in cleaned:
        note = cleaned["note"]
        return {"note": note, "note_html": None if note is None else _note_to_html(note)}
    return {}


def _note_to_html(note: str) -> str:
    return "" if note == "" else derive_note_html(note)


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
    date_created: datetime = cleaned.get("date_created") or now
    activity_at: datetime = cleaned.get("activity_at") or date_created
    user_id = cleaned.get("user_id") or principal.user_id
    created_by = cleaned.get("created_by_id") or principal.user_id
    recording_url = cleaned.get("recording_url")
    notes = resolve_notes(cleaned) or {"note": None, "note_html": None}
    now_stamp = format_timestamp(now)
    created_stamp = now_stamp if date_created == now else format_timestamp(date_created)
    return {
        "id": call_id,
        "_type": CALL_TYPE,
        "organization_id": principal.organization_id,
        "lead_id": cleaned.get("lead_id"),
        "contact_id": cleaned.get("contact_id"),
        "user_id": user_id,
        "user_name": user_names.get(user_id),
        "users": [],
        "created_by": created_by,
        "created_by_name": user_names.get(created_by),
        "updated_by": principal.user_id,
        "updated_by_name": principal.user_name,
        "date_created": created_stamp,
        "date_updated": now_stamp,
        "activity_at": created_stamp
        if activity_at == date_created
        else format_timestamp(activity_at),
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
    updated = dict(call)
    updated.update(attach(cleaned, call, refs))
    for name in ("direction", "status", "disposition", "duration",
                 "outcome_id", "custom_fields", "conversation_type_id", "playbook_id",
                 "quality_info", "voicemail_url"):  # fmt: skip
        if name in cleaned:
            updated[name] = cleaned[name]
    if "user_id" in cleaned:
        user_id = cleaned["user_id"] or principal.user_id
        updated["user_id"], updated["user_name"] = user_id, refs.users.get(user_id)
    if "activity_at" in cleaned:
        moment = cleaned["activity_at"]
        updated["activity_at"] = (
            call["date_created"] if moment is None else format_timestamp(moment)
        )
    if "phone" in cleaned:
        updated.update(phone_fields(cleaned["phone"]))
    if "recording_url" in cleaned:
        updated["recording_url"] = cleaned["recording_url"]
        updated["has_recording"] = cleaned["recording_url"] is not None
    updated.update(resolve_notes(cleaned))
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    updated["updated_by_name"] = principal.user_name
    return updated
