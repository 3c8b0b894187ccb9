"""The OpenAPI document's schemas: request bodies from the validation tables, samples, pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from closecalls import openapi_activities, openapi_events, openapi_leads
from closecalls.api.users import organization_document, user_document
from closecalls.domain import calls, contacts, leads, outcomes
from closecalls.domain.fields import Field, Kind
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp
from closecalls.http.errors import (
    BadRequest,
    NotFound,
    TooManyRequests,
)
from closecalls.store.rows import Organization, User

Schema = dict[str, Any]

API_PREFIX = "/api/v1"
JSON = "application/json"

KINDS: Mapping[Kind, Schema] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "datetime": {"type": "string", "format": "date-time"},
    "url": {"type": "string", "format": "uri"},
    "https_url": {"type": "string", "format": "uri", "description": "An https:// URL."},
    "phone": {"type": "string", "description": "Phone number in E.164 format"},
    "object": {"type": "object", "additionalProperties": {}},
    "boolean": {"type": "boolean"},
    "array": {"type": "array", "items": {"type": "object"}},
}
_EXAMPLE_INPUTS: Mapping[Kind, Any] = {
    "string": "example",
    "datetime": "2026-01-09T14:35:08.272000+00:00",
    "url": "https://example.com/voicemail.mp3",
    "https_url": "https://example.com/recording.mp3",
    "phone": "+16505551234",
    "object": {"example": "value"},
    "boolean": False,
    "array": [],
}
REQUEST_BODIES: Mapping[str, Mapping[str, Field]] = {
    "CreateCallActivity": calls.CREATE_SCHEMA,
    "UpdateCallActivity": calls.UPDATE_SCHEMA,
    "CreateLead": leads.SCHEMA,
    "UpdateLead": leads.SCHEMA,
    "CreateContact": contacts.SCHEMA,
    "UpdateContact": contacts.SCHEMA,
    "CreateOutcome": outcomes.SCHEMA,
    "UpdateOutcome": outcomes.SCHEMA,
    **openapi_activities.REQUEST_BODIES,
}


def _typed_list(key: str, types: Sequence[str]) -> Schema:
    """A contact's `[{key, type}]` list, as `phones` and `emails` are."""
    item = {
        "type": "object",
        "properties": {key: {"type": "string"}, "type": {"type": "string", "enum": list(types)}},
        "required": [key],
    }
    return {"type": "array", "items": item}


_PHONES = _typed_list("phone", contacts.PHONE_TYPES)
_EMAILS = _typed_list("email", contacts.EMAIL_TYPES)
# Body keys that are lists of objects, which the field tables do not describe.
_LIST_PROPERTIES: Mapping[str, Mapping[str, Schema]] = {
    "CreateContact": {"phones": _PHONES, "emails": _EMAILS},
    "UpdateContact": {"phones": _PHONES, "emails": _EMAILS},
    "CreateLead": {
        "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/CreateContact"}}
    },
}
_STRING_LIST: Schema = {"type": "array", "items": {"type": "string"}}
EMPTY: Schema = {"type": "string", "maxLength": 0}
_EMPTY_IS_NULL = ("datetime", "url", "https_url", "phone")
# Response keys whose schema the samples cannot show: a format, or values empty or always null.
_RESPONSE_HINTS: Mapping[str, Schema] = {
    "date_created": KINDS["datetime"],
    "date_updated": KINDS["datetime"],
    "users": _STRING_LIST,
    "cost": {"type": "number", "description": "US cents."},
    "errors": _STRING_LIST,
    "field-errors": {"type": "object", "additionalProperties": {"type": "string"}},
    "data": {"type": "array", "items": {"type": "object"}},
}
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
    (dict, "object"),
)  # fmt: skip

_SAMPLE_TIME = datetime(2026, 1, 9, 14, 35, 8, 272000, tzinfo=UTC)
_SAMPLE_CALLER = Principal(
    organization_id="orga_example",
    user_id="user_example",
    user_name="API User",
    credential_id="api_example",
)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """The schema, or null."""
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def enum_name(key: str) -> str:
    """One shared component per choice key: `direction` is `CallDirection`."""
    return "Call" + key.title().replace("_", "")


def field_schema(key: str, field: Field) -> Schema:
    """A request key's schema; enums are components, as Close's are."""
    if field.kind == "choice":
        if calls.CREATE_SCHEMA.get(key) == field:
            return ref(enum_name(key))
        return {"type": "string", "enum": list(field.choices)}
    schema = dict(KINDS[field.kind])
    if field.kind in _EMPTY_IS_NULL:
        # clean_value reads "" in these as null, as Close's forms send it.
        return {"anyOf": [schema, EMPTY]}
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    return schema


def request_schema(title: str, schema: Mapping[str, Field]) -> Schema:
    """A request body: every key optional and nullable."""
    properties = {key: field_schema(key, field) for key, field in schema.items()}
    # Every key may be null, a choice too: the server reads null as the default.
    for key in schema:
        properties[key] = nullable(properties[key])
    # A null list is no list, as Close reads it.
    properties.update(
        {key: nullable(value) for key, value in _LIST_PROPERTIES.get(title, {}).items()}
    )
    return {"type": "object", "properties": properties, "title": title}


def example_input(field: Field) -> Any:
    if field.kind == "choice":
        return field.choices[0]
    if field.kind == "integer":
        return field.minimum or 0
    return _EXAMPLE_INPUTS[field.kind]


def example_body(schema: Mapping[str, Field]) -> dict[str, Any]:
    """A valid request body; references are left out, as they must name real objects."""
    return {
        key: example_input(field)
        for key, field in schema.items()
        if key not in calls.REFERENCE_KEYS
    }


def call_samples() -> list[dict[str, Any]]:
    """Two CallActivity documents from `new_call`: every key sent, and none."""
    names = {_SAMPLE_CALLER.user_id: _SAMPLE_CALLER.user_name}
    cleaned = calls.validate_create(
        example_body(calls.CREATE_SCHEMA), phone_region="US", refs=calls.References(users=names)
    )
    return [
        calls.new_call(
            given, call_id="acti_example", now=_SAMPLE_TIME, principal=_SAMPLE_CALLER,
            user_names=user_names,
        )
        for given, user_names in ((cleaned, names), ({}, {}))
    ]  # fmt: skip


def object_samples() -> dict[str, dict[str, Any]]:
    """A lead (with a contact), a contact and an outcome built by the domain's own functions."""
    statuses = leads.default_statuses(_SAMPLE_CALLER.organization_id)
    lead = leads.new_lead({"name": "Acme", "url": "https://acme.example.com"},
                          lead_id="lead_example", now=_SAMPLE_TIME, principal=_SAMPLE_CALLER,
                          statuses=statuses)  # fmt: skip
    contact = contacts.new_contact(
        contacts.validate(
            {"name": "Ann", "phones": [{"phone": "+16505551234"}],
             "emails": [{"email": "ann@acme.example.com"}]}, phone_region="US"),
        contact_id="cont_example", lead_id="lead_example", now=_SAMPLE_TIME,
        principal=_SAMPLE_CALLER,
    )  # fmt: skip
    outcome = outcomes.new_outcome(
        {"name": "Demo booked", "description": "Booked a demo"}, outcome_id="outcome_example",
        now=_SAMPLE_TIME, principal=_SAMPLE_CALLER,
    )  # fmt: skip
    return {"Lead": {**lead, "contacts": [contact]}, "Contact": contact, "Outcome": outcome}


_OBJECT_HINTS: Mapping[str, Schema] = {
    "url": nullable(KINDS["url"]),
    "description": nullable({"type": "string"}),
    "phones": {"type": "array", "items": {"type": "object"}},
    "emails": {"type": "array", "items": {"type": "object"}},
    "urls": {"type": "array", "items": {"type": "object"}},
    "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
    "applies_to": _STRING_LIST,
}


def json_type(value: Any) -> Schema:
    name = next(name for kind, name in _JSON_TYPES if isinstance(value, kind))
    if name == "array" and value:
        return {"type": name, "items": json_type(value[0])}
    return {"type": name}


def properties_of(
    samples: Sequence[Mapping[str, Any]], known: Mapping[str, Schema]
) -> dict[str, Schema]:
    """Each key's schema, from `known` or its sample values; nullable where a sample is null."""
    properties: dict[str, Schema] = {}
    for key in samples[0]:
        values = [sample[key] for sample in samples]
        present = [value for value in values if value is not None]
        # Keys null in every sample are ids and names, which Close holds as strings.
        schema = known.get(key) or (json_type(present[0]) if present else {"type": "string"})
        properties[key] = nullable(schema) if len(present) < len(values) else schema
    return properties


def closed_object(properties: Mapping[str, Schema], *, title: str | None = None) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }
    if title:
        schema["title"] = title
    return schema


def document_schemas(
    name: str, properties: Mapping[str, Schema], optional: Iterable[str] = ()
) -> dict[str, Schema]:
    """`{name}` as served by default, and `{name}Fields`: the keys `_fields` asked for."""
    every = {**properties, **{key: nullable({"type": "string"}) for key in optional}}
    return {
        f"{name}Fields": {
            "type": "object",
            "properties": every,
            "additionalProperties": False,
            "title": f"{name}Fields",
            "description": f"A {name} restricted to the keys named by `_fields`.",
        },
        name: {"allOf": [ref(f"{name}Fields")], "required": list(properties), "title": name},
    }


def page(item: Schema, *, counted: bool = False) -> Schema:
    """Close's list envelope; lead lists also count every match (`total_results`)."""
    items = {"type": "array", "items": item}
    envelope: dict[str, Schema] = {"data": items, "has_more": {"type": "boolean"}}
    if counted:
        envelope["total_results"] = {"type": "integer"}
    return closed_object(envelope)


def schemas() -> dict[str, Schema]:
    """Every component schema."""
    choices = {
        enum_name(key): {"type": "string", "enum": list(field.choices), "title": enum_name(key)}
        for key, field in calls.CREATE_SCHEMA.items()
        if field.kind == "choice"
    }
    request_fields = {key: field_schema(key, f) for key, f in calls.CREATE_SCHEMA.items()}
    call = properties_of(call_samples(), {**_RESPONSE_HINTS, **request_fields})
    users = [
        User("user_example", "orga_example", "API", "User", email, format_timestamp(_SAMPLE_TIME))
        for email in ("api@example.com", None)
    ]
    user = properties_of([user_document(sample) for sample in users], _RESPONSE_HINTS)
    organization = properties_of(
        [organization_document(Organization("orga_example", "Acme", users[0].date_created))],
        _RESPONSE_HINTS,
    )
    me = {**user, "organizations": {"type": "array", "items": ref("Organization")},
          "memberships": {"type": "array", "items": ref("Membership")}}  # fmt: skip
    crm = {
        name: document_schemas(name, properties_of([sample], {**_RESPONSE_HINTS, **_OBJECT_HINTS}))
        for name, sample in object_samples().items()
    }
    activities: dict[str, Schema] = {}
    for resource in openapi_activities.RESOURCES:
        hidden = resource.kind.optional_fields
        samples = [{k: v for k, v in doc.items() if k not in hidden} for doc in resource.samples]
        known = {**_RESPONSE_HINTS, **openapi_activities.HINTS}
        activities.update(document_schemas(resource.schema, properties_of(samples, known), hidden))
    task = properties_of(openapi_activities.task_samples(), _RESPONSE_HINTS)
    activities.update(document_schemas("Task", task))
    for name in ("Lead", "Contact"):
        # Custom field values are keys of their own: `custom.cf_…`.
        crm[name][f"{name}Fields"]["patternProperties"] = {r"^custom\.": {}}
    return {
        **choices,
        **{name: request_schema(name, fields) for name, fields in REQUEST_BODIES.items()},
        **activities,
        **{key: value for schemas in crm.values() for key, value in schemas.items()},
        **document_schemas("CallActivity", call, calls.OPTIONAL_FIELDS),
        **document_schemas("User", user),
        **document_schemas("Me", me),
        **document_schemas("Organization", organization),
        **openapi_events.SCHEMAS,
        **openapi_leads.SCHEMAS,
        "BadRequestError": closed_object(
            properties_of([BadRequest("example").body()], _RESPONSE_HINTS), title="BadRequestError"
        ),
        "Error": closed_object(properties_of([NotFound("example").body()], {}), title="Error"),
        "RateLimitError": rate_limit_error(),
    }


def rate_limit_error() -> Schema:
    """The 429 body: Close's old keys at the top level and again under `error`."""
    sample = TooManyRequests(limit=1, reset=500_000, window=1.0, limit_type="key", group="g")
    details = closed_object(
        properties_of(
            [sample.details], {"rate_reset": {"type": "number"}, "rate_window": {"type": "number"}}
        )
    )
    return closed_object({**details["properties"], "error": details}, title="RateLimitError")
