"""Leads: Close's root object, to which contacts and activities belong."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, clean_fields
from closecalls.domain.ids import encode_base62
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

DEFAULT_STATUS_LABELS = ("Potential", "Bad Fit", "Qualified", "Customer")

SCHEMA: Mapping[str, Field] = {
    "name": Field("string"),
    "url": Field("url"),
    "description": Field("string", default=""),
    "status_id": Field("string"),
    "status_label": Field("string"),
}


def default_statuses(organization_id: str) -> dict[str, str]:
    """Close's four default lead statuses, id -> label, with ids stable per organization."""
    statuses = {}
    for label in DEFAULT_STATUS_LABELS:
        digest = int.from_bytes(hashlib.sha256(f"{organization_id}:{label}".encode()).digest())
        statuses[f"stat_{encode_base62(digest % 62**43, 43)}"] = label
    return statuses


def not_a_status(value: str) -> str:
    """Close's message for a status that is not one of the organization's."""
    return (
        "Not a valid choice. Please go to Customizations in your organization settings and "
        f'add "{value}" to the list of lead statuses.'
    )


def validate(body: Mapping[str, Any], *, statuses: Mapping[str, str]) -> dict[str, Any]:
    """Clean a lead body: the status may be named by id, or by label as `status`."""
    cleaned, field_errors = clean_fields(SCHEMA, body, phone_region="US")
    labels = {label.casefold(): status_id for status_id, label in statuses.items()}
    status_id = cleaned.get("status_id")
    if status_id is not None and status_id not in statuses:
        field_errors["status"] = not_a_status(status_id)
    label = cleaned.pop("status_label", None)
    if "status" in body and body["status"] is not None:
        label = body["status"] if isinstance(body["status"], str) else str(body["status"])
    if label is not None:
        if label.casefold() not in labels:
            field_errors["status"] = not_a_status(label)
        elif status_id is not None and labels[label.casefold()] != status_id:
            field_errors["status"] = "Post either status or status_id, not both."
        else:
            cleaned["status_id"] = labels[label.casefold()]
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def new_lead(
    cleaned: Mapping[str, Any],
    *,
    lead_id: str,
    now: datetime,
    principal: Principal,
    statuses: Mapping[str, str],
    fallback_name: str = "",
) -> dict[str, Any]:
    """The stored lead document (contacts are embedded when it is read)."""
    status_id = cleaned.get("status_id") or next(iter(statuses))
    name = cleaned.get("name") or fallback_name
    stamp = format_timestamp(now)
    return {
        "id": lead_id,
        "organization_id": principal.organization_id,
        "name": name,
        "display_name": name,
        "status_id": status_id,
        "status_label": statuses[status_id],
        "description": cleaned.get("description") or "",
        "url": cleaned.get("url"),
        "date_created": stamp,
        "date_updated": stamp,
        "created_by": principal.user_id,
        "created_by_name": principal.user_name,
        "updated_by": principal.user_id,
        "updated_by_name": principal.user_name,
    }


def apply_update(
    lead: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    statuses: Mapping[str, str],
) -> dict[str, Any]:
    """The lead after a partial update."""
    updated = dict(lead)
    if "name" in cleaned:
        updated["name"] = updated["display_name"] = cleaned["name"] or ""
    for key in ("description", "url"):
        if key in cleaned:
            updated[key] = cleaned[key] if key == "url" else cleaned[key] or ""
    if cleaned.get("status_id") is not None:
        updated["status_id"] = cleaned["status_id"]
        updated["status_label"] = statuses[cleaned["status_id"]]
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    updated["updated_by_name"] = principal.user_name
    return updated
