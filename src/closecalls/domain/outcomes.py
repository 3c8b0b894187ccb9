"""Outcomes: standardised results for calls and meetings (Close's 2025 Outcome API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, clean_fields
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

TYPES = ("custom", "vm-dropped")
# `applies_to` is derived from the type since writes of it were deprecated (2026-03-06).
APPLIES_TO = {"custom": ["calls", "meetings"], "vm-dropped": ["calls"]}

SCHEMA: Mapping[str, Field] = {
    "name": Field("string"),
    "description": Field("string"),
    "type": Field("choice", TYPES, default="custom"),
}


def validate(body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Clean an outcome body; a name is required to create one."""
    cleaned, field_errors = clean_fields(SCHEMA, body, phone_region="US")
    if creating and not cleaned.get("name") and "name" not in field_errors:
        field_errors["name"] = errors.REQUIRED
    if not creating and "name" in cleaned and not cleaned["name"]:
        field_errors["name"] = errors.REQUIRED
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def new_outcome(
    cleaned: Mapping[str, Any], *, outcome_id: str, now: datetime, principal: Principal
) -> dict[str, Any]:
    kind = cleaned.get("type") or "custom"
    stamp = format_timestamp(now)
    return {
        "id": outcome_id,
        "organization_id": principal.organization_id,
        "name": cleaned["name"],
        "description": cleaned.get("description"),
        "type": kind,
        "applies_to": APPLIES_TO[kind],
        "created_by": principal.user_id,
        "updated_by": principal.user_id,
        "date_created": stamp,
        "date_updated": stamp,
    }


def apply_update(
    outcome: Mapping[str, Any], cleaned: Mapping[str, Any], *, now: datetime, principal: Principal
) -> dict[str, Any]:
    updated = dict(outcome)
    for key in ("name", "description"):
        if key in cleaned:
            updated[key] = cleaned[key]
    if "type" in cleaned:
        updated["type"] = cleaned["type"]
        updated["applies_to"] = APPLIES_TO[cleaned["type"]]
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    return updated
