"""The SMS activity: statuses and the moves between them, phones, attachments, as Close has them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain import errors
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
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field
from closecalls.domain.phones import Phone
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

SMS_TYPE = "SMS"
STATUSES = ("inbox", "draft", "scheduled", "outbox", "sent", "error")
DIRECTIONS = ("inbound", "outbound")
SOURCES = ("Close.io", "External")
# Close's list for MMS attachments (its OpenAPI's attachment content_type enum).
CONTENT_TYPES = (
    "application/pdf", "application/vcard", "audio/3gpp", "audio/3gpp2", "audio/L24",
    "audio/ac3", "audio/amr", "audio/amr-nb", "audio/basic", "audio/mp4", "audio/mpeg",
    "audio/ogg", "audio/vnd.rn-realaudio", "audio/vnd.wave", "audio/webm", "image/bmp",
    "image/gif", "image/jpeg", "image/jpg", "image/png", "image/tiff", "text/calendar",
    "text/csv", "text/directory", "text/richtext", "text/rtf", "text/vcard", "text/x-vcard",
    "video/3gpp", "video/3gpp-tt", "video/3gpp2", "video/H261", "video/H263", "video/H263-1998",
    "video/H263-2000", "video/H264", "video/mp4", "video/mpeg", "video/quicktime", "video/webm",
)  # fmt: skip

CREATE_SCHEMA: Mapping[str, Field] = {
    **BASE_CREATE_FIELDS,
    "status": Field("choice", STATUSES),
    "direction": Field("choice", DIRECTIONS),
    "source": Field("choice", SOURCES, default="External"),
    "text": Field("string", default=""),
    "template_id": Field("string"),
    "local_phone": Field("phone"),
    "remote_phone": Field("phone"),
    "date_scheduled": Field("datetime"),
    "attachments": Field("array"),
}
UPDATE_SCHEMA: Mapping[str, Field] = {
    name: CREATE_SCHEMA[name]
    for name in (
        "activity_at", "attachments", "contact_id", "lead_id", "local_phone", "remote_phone",
        "status", "template_id", "text", "user_id", "date_scheduled",
    )
}  # fmt: skip

# What a message is: fixed once it leaves the draft state.
CONTENT = ("text", "template_id", "local_phone", "remote_phone", "attachments", "date_scheduled")
ONLY_DRAFTS = "Only a draft SMS can be changed."
NO_TEMPLATES = "SMS templates are not supported; send the text instead."
# Where each status may move on update: drafts go out or stay drafts; unsent ones come back.
MOVES: Mapping[str, tuple[str, ...]] = {
    "draft": ("draft", "scheduled", "outbox"),
    "scheduled": ("draft", "scheduled"),
    "outbox": ("draft", "outbox"),
}


def _check(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
    """The rules every body follows: templates, attachments, what a status needs."""
    if cleaned.get("template_id") is not None and "template_id" not in field_errors:
        field_errors["template_id"] = NO_TEMPLATES
    if cleaned.get("attachments") is not None and "attachments" not in field_errors:
        try:
            cleaned["attachments"] = clean_attachments(
                cleaned["attachments"], content_types=CONTENT_TYPES
            )
        except ValueError as problem:
            field_errors["attachments"] = str(problem)


def _needs(status: str | None, sms: Mapping[str, Any], field_errors: dict[str, str]) -> None:
    """A scheduled SMS needs its time; an SMS to send needs the number it goes from."""
    if status == "scheduled" and sms.get("date_scheduled") is None:
        field_errors.setdefault("date_scheduled", errors.REQUIRED)
    if status == "outbox" and sms.get("local_phone") is None:
        field_errors.setdefault("local_phone", errors.REQUIRED)


def validate_create(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean a create body, naming every bad field at once."""

    def check(cleaned: dict[str, Any], field_errors: dict[str, str]) -> None:
        _check(cleaned, field_errors)
        _needs(cleaned.get("status"), cleaned, field_errors)

    cleaned = validate(CREATE_SCHEMA, body, phone_region=phone_region, refs=refs,
                       required=("status",), check=check)  # fmt: skip
    return {**cleaned, **attach(cleaned, None, refs)}


def validate_update(
    body: Mapping[str, Any], *, phone_region: str, refs: References
) -> dict[str, Any]:
    """Clean an update body: only the keys sent, each by the create rules."""
    return validate(UPDATE_SCHEMA, body, phone_region=phone_region, refs=refs, check=_check)


def _phone(prefix: str, phone: Phone | None) -> dict[str, str | None]:
    return {
        f"{prefix}_phone": None if phone is None else phone.e164,
        f"{prefix}_phone_formatted": None if phone is None else phone.formatted,
        f"{prefix}_country_iso": None if phone is None else phone.country_iso,
    }


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment)


def _stored(value: Any) -> Any:
    """A cleaned value as the document holds it, to tell a change from a repeat."""
    if isinstance(value, Phone):
        return value.e164
    if isinstance(value, datetime):
        return format_timestamp(value)
    return value


def _sending(sms: dict[str, Any], now: datetime) -> dict[str, Any]:
    """No carrier here: an SMS put in the outbox is sent at once; logged ones carry their date."""
    if sms["status"] == "outbox":
        sms["status"] = "sent"
    if sms["status"] in ("sent", "inbox") and sms["date_sent"] is None:
        sms["date_sent"] = format_timestamp(now)
    return sms


def new_sms(
    cleaned: Mapping[str, Any],
    *,
    activity_id: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """The full SMSActivity document for a validated create body."""
    status = cleaned["status"]
    sms = {
        **base_fields(
            cleaned, activity_id=activity_id, activity_type=SMS_TYPE, now=now,
            principal=principal, user_names=user_names,
        ),
        "text": cleaned.get("text", ""),
        "status": status,
        "direction": cleaned.get("direction") or ("inbound" if status == "inbox" else "outbound"),
        "source": cleaned.get("source", "External"),
        **_phone("local", cleaned.get("local_phone")),
        **_phone("remote", cleaned.get("remote_phone")),
        "date_sent": None,
        "date_scheduled": _stamp(cleaned.get("date_scheduled")),
        "error_message": None,
        "template_id": None,
        "attachments": cleaned.get("attachments") or [],
        "cost": None,
        "sequence_id": None,
        "sequence_name": None,
        "sequence_subscription_id": None,
        "agent_config_id": None,
        "agent_action_reason": None,
    }  # fmt: skip
    return _sending(sms, now)


def apply_update(
    sms: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    refs: References,
) -> dict[str, Any]:
    """The SMS after a partial update; a sent or received message keeps what it said."""
    status = sms["status"]
    new_status = cleaned.get("status", status)
    field_errors: dict[str, str] = {}
    if new_status != status and new_status not in MOVES.get(status, ()):
        field_errors["status"] = f"An SMS cannot move from {status} to {new_status}."
    if status != "draft" and new_status != "draft":
        for name in CONTENT:
            if name in cleaned and _stored(cleaned[name]) != sms.get(name):
                field_errors[name] = ONLY_DRAFTS
    updated = updated_base(sms, cleaned, now=now, principal=principal, refs=refs,
                           copied=("text", "attachments", "status"))  # fmt: skip
    for prefix in ("local", "remote"):
        if f"{prefix}_phone" in cleaned:
            updated.update(_phone(prefix, cleaned[f"{prefix}_phone"]))
    if "date_scheduled" in cleaned:
        updated["date_scheduled"] = _stamp(cleaned["date_scheduled"])
    if updated["text"] is None:
        updated["text"] = ""
    if new_status != status:
        _needs(new_status, updated, field_errors)
    if field_errors:
        raise ValidationFailed(field_errors)
    return _sending(updated, now)


KIND = ActivityType(
    name=SMS_TYPE, path="sms", create_schema=CREATE_SCHEMA, update_schema=UPDATE_SCHEMA,
    validate_create=validate_create, validate_update=validate_update, new=new_sms,
    apply_update=apply_update,
)  # fmt: skip
