"""What every activity type shares: references, the base fields, validation and updates."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.fields import Field, FieldError, clean_fields, clean_value
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp

USER_REFERENCES = ("user_id", "created_by_id", "assigned_to")
# Keys that must name an object of the caller's organization.
REFERENCE_KEYS = ("lead_id", "contact_id", "outcome_id", *USER_REFERENCES)
WRONG_LEAD = "The contact does not belong to this lead."
ATTACHMENT_URL = "The URL must begin {prefix}"


# What every activity type's create body may name: its links, owner and times.
BASE_CREATE_FIELDS: Mapping[str, Field] = {
    "lead_id": Field("string"),
    "contact_id": Field("string"),
    "user_id": Field("string"),
    "created_by_id": Field("string"),
    "organization_id": Field("string"),
    "activity_at": Field("datetime"),
    "date_created": Field("datetime"),
}


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
    # Every create asks this (twice when its references are assumed), so the body is read
    # once a key, not once a kind.
    named = [(key, value) for key in REFERENCE_KEYS if isinstance(value := body.get(key), str)]
    if not named:
        return None
    wanted = ReferencedIds(users=set(), leads=set(), contacts=set(), outcomes=set())
    for key, value in named:
        _IDS_OF_KEY[key](wanted).add(value)
    return wanted


_IDS_OF_KEY: Mapping[str, Callable[[ReferencedIds], set[str]]] = {
    "lead_id": lambda ids: ids.leads, "contact_id": lambda ids: ids.contacts,
    "outcome_id": lambda ids: ids.outcomes,
    **{key: (lambda ids: ids.users) for key in USER_REFERENCES},
}  # fmt: skip


def assumed_references(
    body: Mapping[str, Any], *, user_id: str, user_name: str
) -> References | None:
    """The references a create body names, taken to exist as named, for a write that checks
    them in its own transaction; None when that cannot be assumed (another user, a contact
    without its lead, an id no object can have)."""
    wanted = referenced_ids(body)
    if wanted is None:
        return References(users={user_id: user_name})
    lead_id = body.get("lead_id")
    if wanted.users - {user_id} or (wanted.contacts and not isinstance(lead_id, str)):
        return None
    if any("\x00" in object_id for ids in (wanted.leads, wanted.contacts, wanted.outcomes)
           for object_id in ids):  # fmt: skip
        return None
    return References(
        users={user_id: user_name},
        leads=frozenset(wanted.leads),
        contact_leads={contact_id: str(lead_id) for contact_id in wanted.contacts},
        outcomes=frozenset(wanted.outcomes),
    )


def references_hold(refs: References, found: Mapping[str, tuple[str, str | None]]) -> bool:
    """Whether the objects found, id -> (kind, parent), are the ones `refs` assumed."""
    missing = ("", None)
    return (
        all(found.get(lead_id, missing)[0] == "lead" for lead_id in refs.leads)
        and all(found.get(contact_id, missing) == ("contact", lead_id)
                for contact_id, lead_id in refs.contact_leads.items())
        and all(found.get(outcome_id, missing)[0] == "outcome" for outcome_id in refs.outcomes)
    )  # fmt: skip


def check_references(
    cleaned: Mapping[str, Any], refs: References, field_errors: dict[str, str]
) -> None:
    """Name each id the body sent that the caller's organization does not hold."""
    known: dict[str, Collection[str]] = {
        "user_id": refs.users, "created_by_id": refs.users, "assigned_to": refs.users,
        "lead_id": refs.leads,
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

    `current` is the stored activity on update (None on create); the result holds the keys
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


def clean_attachments(
    items: list[Any],
    *,
    required: Collection[str] = ("url", "filename", "content_type"),
    content_types: Collection[str] | None = None,
    url_prefix: str = "",
) -> list[dict[str, Any]]:
    """Attachments by URL (`url`, `filename`, `content_type`); ValueError names the first fault."""
    cleaned = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"Item {number}: {errors.wrong_type('dict')}")
        for key in ("url", "filename", "content_type"):
            value = item.get(key)
            if (value is not None and not isinstance(value, str)) or (
                key in required and not value
            ):
                raise ValueError(f"Item {number}: {key}: {errors.REQUIRED}")
        try:
            clean_value(Field("https_url"), item["url"], phone_region="US")
        except FieldError as problem:
            raise ValueError(f"Item {number}: url: {problem}") from None
        if not item["url"].startswith(url_prefix):
            raise ValueError(f"Item {number}: url: {ATTACHMENT_URL.format(prefix=url_prefix)}")
        content_type = item.get("content_type")
        if content_types is not None and content_type not in content_types:
            raise ValueError(f"Item {number}: content_type: {errors.NOT_A_CHOICE}")
        cleaned.append({
            "url": item["url"], "filename": item["filename"], "content_type": content_type,
            "size": None,
        })  # fmt: skip
    return cleaned


def validate(
    schema: Mapping[str, Field],
    body: Mapping[str, Any],
    *,
    phone_region: str,
    refs: References,
    required: Collection[str] = (),
    check: Callable[[dict[str, Any], dict[str, str]], None] | None = None,
) -> dict[str, Any]:
    """Clean a body by `schema`, naming every bad field, missing one and unknown id at once.

    `check(cleaned, field_errors)` adds a type's own rules to the same report.
    """
    cleaned, field_errors = clean_fields(schema, body, phone_region=phone_region)
    for name in required:
        if cleaned.get(name) is None and name not in field_errors:
            field_errors[name] = errors.REQUIRED
    check_references(cleaned, refs, field_errors)
    if check is not None:
        check(cleaned, field_errors)
    if field_errors:
        raise ValidationFailed(field_errors)
    return cleaned


def base_fields(
    cleaned: Mapping[str, Any],
    *,
    activity_id: str,
    activity_type: str,
    now: datetime,
    principal: Principal,
    user_names: Mapping[str, str],
) -> dict[str, Any]:
    """Close's `ActivityBase` keys of a new activity, in the order Close sends them."""
    date_created: datetime = cleaned.get("date_created") or now
    activity_at: datetime = cleaned.get("activity_at") or date_created
    user_id = cleaned.get("user_id") or principal.user_id
    created_by = cleaned.get("created_by_id") or principal.user_id
    now_stamp = format_timestamp(now)
    created_stamp = now_stamp if date_created == now else format_timestamp(date_created)
    return {
        "id": activity_id,
        "_type": activity_type,
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
    }


def updated_base(
    current: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    *,
    now: datetime,
    principal: Principal,
    refs: References,
    copied: Collection[str] = (),
) -> dict[str, Any]:
    """The activity after an update of its base keys, plus `copied` keys taken as sent."""
    updated = dict(current)
    updated.update(attach(cleaned, current, refs))
    for name in copied:
        if name in cleaned:
            updated[name] = cleaned[name]
    if "user_id" in cleaned:
        user_id = cleaned["user_id"] or principal.user_id
        updated["user_id"], updated["user_name"] = user_id, refs.users.get(user_id)
    if "activity_at" in cleaned:
        moment = cleaned["activity_at"]
        updated["activity_at"] = (
            current["date_created"] if moment is None else format_timestamp(moment)
        )
    updated["date_updated"] = format_timestamp(now)
    updated["updated_by"] = principal.user_id
    updated["updated_by_name"] = principal.user_name
    return updated


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityType:
    """One activity type's rules: what the generic handlers need to serve its resource."""

    name: str
    path: str
    create_schema: Mapping[str, Field]
    update_schema: Mapping[str, Field]
    validate_create: Callable[..., dict[str, Any]]
    validate_update: Callable[..., dict[str, Any]]
    new: Callable[..., dict[str, Any]]
    apply_update: Callable[..., dict[str, Any]]
    optional_fields: tuple[str, ...] = ()
    label: str = ""
    # False when Close's API has no plain create (meetings come from calendars).
    public_create: bool = True
    # True when its documents hold the optional fields, to be taken out of default answers.
    stores_optional_fields: bool = False

    @property
    def not_found(self) -> str:
        """The name in this type's 404 message."""
        return self.label or self.name
