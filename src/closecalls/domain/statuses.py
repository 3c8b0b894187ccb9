"""Lead statuses: Close's defaults, validation of a status body, and the status-change activity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, clean_fields
from closecalls.domain.leads import default_statuses
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

SCHEMA: Mapping[str, Field] = {"label": Field("string"), "color": Field("string")}
STATUS_CHANGE_TYPE = "LeadStatusChange"


@dataclass(frozen=True, slots=True)
class LeadStatus:
    """One lead status, in the organization's order (`position`)."""

    id: str
    organization_id: str
    label: str
    color: str | None
    position: int

    def document(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "color": self.color,
                "organization_id": self.organization_id}  # fmt: skip


def defaults(organization_id: str) -> list[LeadStatus]:
    """A new organization's statuses: Potential, Bad Fit, Qualified, Customer."""
    return [
        LeadStatus(status_id, organization_id, label, None, position)
        for position, (status_id, label) in enumerate(default_statuses(organization_id).items())
    ]


def by_id(statuses: Sequence[LeadStatus]) -> dict[str, str]:
    """id -> label, first (default) status first."""
    return {status.id: status.label for status in statuses}


def validate(
    body: Mapping[str, Any], *, existing: Sequence[LeadStatus], creating: bool, own_id: str = ""
) -> dict[str, Any]:
    """Clean a status body: a label is required on create and unique in the organization."""
    cleaned, field_errors = clean_fields(SCHEMA, body, phone_region="US")
    label = cleaned.get("label")
    if isinstance(label, str):
        label = cleaned["label"] = label.strip()
    if (creating and not label) or ("label" in body and not label):
        field_errors.setdefault("label", errors.REQUIRED)
    for key in ("label", "color"):
        if isinstance(cleaned.get(key), str) and "\x00" in cleaned[key]:
            # A column of text holds no NUL on PostgreSQL.
            field_errors[key] = errors.NUL_CHARACTER
    taken = {status.label.casefold() for status in existing if status.id != own_id}
    if label and label.casefold() in taken:
        field_errors["label"] = "A lead status with this label already exists."
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def reordered(statuses: Sequence[LeadStatus], wanted: Any) -> list[LeadStatus]:
    """The statuses in the order `PUT /organization/` names them (a list of ids or {id})."""
    if not isinstance(wanted, list):
        raise ValidationFailed({"lead_statuses": errors.wrong_type("list")})
    ids = [item.get("id") if isinstance(item, dict) else item for item in wanted]
    if sorted(map(str, ids)) != sorted(status.id for status in statuses):
        raise ValidationFailed(
            {"lead_statuses": "Name every existing lead status exactly once to reorder them."}
        )
    known = {status.id: status for status in statuses}
    return [
        LeadStatus(known[status_id].id, known[status_id].organization_id, known[status_id].label,
                   known[status_id].color, position)
        for position, status_id in enumerate(map(str, ids))
    ]  # fmt: skip


def status_change(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    activity_id: str,
    now: datetime,
    principal: Principal,
) -> dict[str, Any] | None:
    """The LeadStatusChange activity a lead update causes, or None if its status stayed."""
    if before.get("status_id") == after.get("status_id"):
        return None
    stamp = format_timestamp(now)
    return {
        "id": activity_id,
        "_type": STATUS_CHANGE_TYPE,
        "organization_id": principal.organization_id,
        "lead_id": after["id"],
        "contact_id": None,
        "user_id": principal.user_id,
        "user_name": principal.user_name,
        "users": [],
        "old_status_id": before.get("status_id"),
        "old_status_label": before.get("status_label"),
        "new_status_id": after.get("status_id"),
        "new_status_label": after.get("status_label"),
        "activity_at": stamp,
        "date_created": stamp,
        "date_updated": stamp,
        "created_by": principal.user_id,
        "created_by_name": principal.user_name,
        "updated_by": principal.user_id,
        "updated_by_name": principal.user_name,
    }
