"""Custom fields: their definitions, and their values on leads and contacts (`custom.cf_…`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp, parse_timestamp

OBJECT_TYPES = ("lead", "contact", "opportunity")
TYPES = ("text", "textarea", "number", "date", "datetime", "choices", "user", "contact", "hidden")
ROLES = ("admin", "superuser", "user", "restricteduser")
PREFIX = "custom."
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Definition:
    """What a value of one custom field may be."""

    id: str
    name: str
    type: str
    multiple: bool
    choices: tuple[str, ...]

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Definition:
        return cls(document["id"], document["name"], document["type"],
                   bool(document.get("accepts_multiple_values")),
                   tuple(document.get("choices") or ()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class References:
    """The user and contact ids the organization holds, among those values name."""

    users: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()


def _choices(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationFailed({"choices": "Value must be a list of strings."})
    return list(dict.fromkeys(value))


def validate_definition(
    body: Mapping[str, Any], *, creating: bool, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Clean a definition body; a type cannot change (values would need converting)."""
    field_errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    name = body.get("name")
    if "name" in body or creating:
        if not isinstance(name, str) or not name.strip():
            field_errors["name"] = errors.REQUIRED
        else:
            cleaned["name"] = name.strip()
    kind = body.get("type")
    if "type" in body or creating:
        if kind not in TYPES:
            field_errors["type"] = errors.NOT_A_CHOICE if kind is not None else errors.REQUIRED
        elif current is not None and kind != current["type"]:
            field_errors["type"] = (
                "Changing a custom field's type is not implemented by closecalls."
            )
        else:
            cleaned["type"] = kind
    for key in ("accepts_multiple_values",):
        if key in body:
            if not isinstance(body[key], bool):
                field_errors[key] = errors.wrong_type("bool")
            else:
                cleaned[key] = body[key]
    if "choices" in body:
        try:
            cleaned["choices"] = _choices(body["choices"])
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
    if "editable_with_roles" in body:
        roles = body["editable_with_roles"]
        if not isinstance(roles, list) or not all(role in ROLES for role in roles):
            field_errors["editable_with_roles"] = errors.NOT_A_CHOICE
        else:
            cleaned["editable_with_roles"] = roles
    if "description" in body:
        if body["description"] is not None and not isinstance(body["description"], str):
            field_errors["description"] = errors.wrong_type("str")
        else:
            cleaned["description"] = body["description"]
    final_type = cleaned.get("type") or (current or {}).get("type")
    final_choices = cleaned.get("choices", (current or {}).get("choices") or [])
    if final_type == "choices" and not final_choices and "type" not in field_errors:
        field_errors["choices"] = "A choices field needs at least one choice."
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def new_definition(
    cleaned: Mapping[str, Any], *, field_id: str, now: datetime, principal: Principal
) -> dict[str, Any]:
    stamp = format_timestamp(now)
    return {
        "id": field_id,
        "name": cleaned["name"],
        "description": cleaned.get("description"),
        "type": cleaned["type"],
        "accepts_multiple_values": cleaned.get("accepts_multiple_values", False),
        "choices": cleaned.get("choices", []) if cleaned["type"] == "choices" else [],
        "editable_with_roles": cleaned.get("editable_with_roles", []),
        "is_shared": False,
        "organization_id": principal.organization_id,
        "created_by": principal.user_id,
        "updated_by": principal.user_id,
        "date_created": stamp,
        "date_updated": stamp,
    }


def updated_definition(
    current: Mapping[str, Any], cleaned: Mapping[str, Any], *, now: datetime, principal: Principal
) -> dict[str, Any]:
    return {**current, **cleaned, "updated_by": principal.user_id,
            "date_updated": format_timestamp(now)}  # fmt: skip


def _one(definition: Definition, value: Any, refs: References) -> Any:
    """One cleaned value, or ValueError with Close's message."""
    kind = definition.type
    if kind in ("text", "textarea", "hidden"):
        if not isinstance(value, str):
            raise ValueError(errors.wrong_type("str"))
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("Invalid number.")
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value))
        except ValueError:
            raise ValueError("Invalid number.") from None
        return int(number) if number.is_integer() else number
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError("Invalid date.")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("Invalid date.") from None
        return value
    if kind == "datetime":
        try:
            return format_timestamp(parse_timestamp(str(value)))
        except (ValueError, OverflowError):
            raise ValueError(errors.BAD_DATETIME) from None
    if kind == "choices":
        if not isinstance(value, str) or value not in definition.choices:
            raise ValueError(errors.NOT_A_CHOICE)
        return value
    known = refs.users if kind == "user" else refs.contacts
    if not isinstance(value, str) or value not in known:
        raise ValueError(errors.NO_SUCH_OBJECT)
    return value


def referenced_ids(body: Mapping[str, Any]) -> set[str]:
    """Every string a body's custom values hold: the user or contact ids to look up."""
    found: set[str] = set()
    for key, value in body.items():
        if key.startswith(PREFIX):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    found.add(item)
    return found


def _target(
    key: str, by_id: Mapping[str, Definition], by_name: Mapping[str, Definition]
) -> tuple[Definition | None, str]:
    name = key[len(PREFIX) :]
    operation = ""
    for suffix in (".add", ".remove"):
        if name.endswith(suffix):
            name, operation = name[: -len(suffix)], suffix[1:]
    found = by_id.get(name) or by_name.get(name.casefold())
    return found, operation


def clean_values(
    body: Mapping[str, Any], definitions: Sequence[Definition], refs: References
) -> dict[str, tuple[str, Any]]:
    """`custom.*` keys of a body as field id -> (operation, cleaned value); every bad key named."""
    by_id = {definition.id: definition for definition in definitions}
    by_name = {definition.name.casefold(): definition for definition in definitions}
    cleaned: dict[str, tuple[str, Any]] = {}
    field_errors: dict[str, str] = {}
    for key, value in body.items():
        if not key.startswith(PREFIX):
            continue
        definition, operation = _target(key, by_id, by_name)
        if definition is None:
            field_errors[key] = "Unknown custom field."
            continue
        try:
            if value is None and not operation:
                cleaned[definition.id] = ("set", None)
            elif operation:
                if not definition.multiple:
                    raise ValueError(f".{operation} needs a field that accepts multiple values.")
                cleaned[definition.id] = (operation, _one(definition, value, refs))
            elif definition.multiple:
                items = value if isinstance(value, list) else [value]
                cleaned[definition.id] = ("set", [_one(definition, item, refs) for item in items])
            else:
                cleaned[definition.id] = ("set", _one(definition, value, refs))
        except ValueError as exc:
            field_errors[key] = str(exc)
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def apply_values(
    document: Mapping[str, Any], values: Mapping[str, tuple[str, Any]]
) -> dict[str, Any]:
    """The document with custom values set, unset, added to or removed from."""
    updated = dict(document)
    for field_id, (operation, value) in values.items():
        key = PREFIX + field_id
        current = updated.get(key)
        if operation == "add":
            items = list(current or [])
            value = items + ([value] if value not in items else [])
        elif operation == "remove":
            value = [item for item in (current or []) if item != value] or None
        if value is None or value == []:
            updated.pop(key, None)
        else:
            updated[key] = value
    return updated


def without_field(document: Mapping[str, Any], field_id: str) -> dict[str, Any]:
    """The document with a deleted field's value gone."""
    return {key: value for key, value in document.items() if key != PREFIX + field_id}
