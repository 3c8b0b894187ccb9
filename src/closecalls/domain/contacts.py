"""Contacts: people at a lead, with phones and emails as Close shapes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, FieldError, clean_fields, clean_value
from closecalls.domain.phones import time_zones
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

PHONE_TYPES = ("office", "mobile", "home", "direct", "fax", "other")
EMAIL_TYPES = ("office", "home", "direct", "other")
# cleancat's Email field pattern, which Close validates addresses with.
EMAIL = re.compile(
    r"^(?:[^\.@\s]|[^\.@\s]\.(?!\.))*[^.@\s]@[^.@\s](?:[^\.@\s]|\.(?!\.))*\.[a-z]{2,63}$",
    re.IGNORECASE,
)

SCHEMA: Mapping[str, Field] = {
    "lead_id": Field("string"),
    "name": Field("string", default=""),
    "title": Field("string", default=""),
}


def _objects(value: Any) -> list[dict[str, Any]]:
    """A list of JSON objects (null is an empty list), or cleancat's type error."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(errors.wrong_type("list"))
    for item in value:
        if not isinstance(item, dict):
            raise FieldError(errors.wrong_type("dict"))
    return value


def _clean_phones(value: Any, phone_region: str) -> list[dict[str, Any]]:
    phones = []
    for item in _objects(value):
        if item.get("phone") in (None, ""):
            raise FieldError(errors.REQUIRED)
        phone = clean_value(Field("phone"), item["phone"], phone_region=phone_region)
        kind = clean_value(Field("choice", PHONE_TYPES, default="office"), item.get("type"),
                           phone_region=phone_region)  # fmt: skip
        phones.append({"phone": phone.e164, "phone_formatted": phone.formatted,
                       "type": kind, "country": phone.country_iso,
                       "outbound_sms_blocked": False,
                       "tz_ids": list(time_zones(phone.e164))})  # fmt: skip
    return phones


def _clean_emails(value: Any) -> list[dict[str, Any]]:
    emails = []
    for item in _objects(value):
        address = item.get("email")
        if not isinstance(address, str) or not EMAIL.match(address.strip()):
            raise FieldError("Invalid email address.")
        kind = clean_value(Field("choice", EMAIL_TYPES, default="office"), item.get("type"),
                           phone_region="US")  # fmt: skip
        emails.append({"email": address.strip(), "type": kind, "is_unsubscribed": False})
    return emails


def validate(body: Mapping[str, Any], *, phone_region: str) -> dict[str, Any]:
    """Clean a contact body, naming every bad field at once."""
    cleaned, field_errors = clean_fields(SCHEMA, body, phone_region=phone_region)
    cleaners: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
        "phones": lambda value: _clean_phones(value, phone_region),
        "emails": _clean_emails,
    }
    for key, clean in cleaners.items():
        if key in body:
            try:
                cleaned[key] = clean(body[key])
            except FieldError as exc:
                field_errors[key] = str(exc)
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def display_name(cleaned: Mapping[str, Any]) -> str:
    """What a lead created for this contact is called: its name, else its first email or phone."""
    if cleaned.get("name"):
        return str(cleaned["name"])
    for key, inner in (("emails", "email"), ("phones", "phone")):
        if cleaned.get(key):
            return str(cleaned[key][0][inner])
    return ""


def new_contact(
    cleaned: Mapping[str, Any],
    *,
    contact_id: str,
    lead_id: str,
    now: datetime,
    principal: Principal,
) -> dict[str, Any]:
    stamp = format_timestamp(now)
    name = cleaned.get("name") or ""
    return {
        "id": contact_id,
        "organization_id": principal.organization_id,
        "lead_id": lead_id,
        "name": name,
        "display_name": name,
        "title": cleaned.get("title") or "",
        "phones": cleaned.get("phones", []),
        "emails": cleaned.get("emails", []),
        "urls": [],
        "date_created": stamp,
        "date_updated": stamp,
        "created_by": principal.user_id,
        "updated_by": principal.user_id,
    }


def apply_update(
    contact: Mapping[str, Any], cleaned: Mapping[str, Any], *, now: datetime, principal: Principal
) -> dict[str, Any]:
    """The contact after a partial update (a contact does not move between leads here)."""
    updated = dict(contact)
    if "name" in cleaned:
        updated["name"] = updated["display_name"] = cleaned["name"] or ""
    if "title" in cleaned:
        updated["title"] = cleaned["title"] or ""
    for key in ("phones", "emails"):
        if key in cleaned:
            updated[key] = cleaned[key]
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    return updated


def phone_numbers(contact: Mapping[str, Any]) -> tuple[str, ...]:
    """The contact's numbers in E.164, for matching calls by phone."""
    return tuple(dict.fromkeys(phone["phone"] for phone in contact.get("phones", [])))
