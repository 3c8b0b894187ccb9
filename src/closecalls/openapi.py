"""The OpenAPI 3.1 document of the routes, built from the tables the server validates with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import closecalls
from closecalls import openapi_events, openapi_leads
from closecalls.api.users import organization_document, user_document
from closecalls.domain import calls, contacts, leads, outcomes
from closecalls.domain.fields import Field, Kind
from closecalls.domain.listing import (
    COMPARISONS,
    DATE_FIELDS,
    DEFAULT_LIMIT,
    LEAD_ONLY_FILTERS,
    MAX_LIMIT,
    MAX_LIMITS,
    MAX_SKIP,
    ORDERINGS,
)
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp
from closecalls.http.errors import (
    ApiError,
    BadRequest,
    Conflict,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from closecalls.http.router import Handler, Route
from closecalls.store.rows import Organization, User

Schema = dict[str, Any]

API_PREFIX = "/api/v1"
JSON = "application/json"

_KINDS: Mapping[Kind, Schema] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "datetime": {"type": "string", "format": "date-time"},
    "url": {"type": "string", "format": "uri"},
    "https_url": {"type": "string", "format": "uri", "description": "An https:// URL."},
    "phone": {"type": "string", "description": "Phone number in E.164 format"},
    "object": {"type": "object", "additionalProperties": {}},
}
_EXAMPLE_INPUTS: Mapping[Kind, Any] = {
    "string": "example",
    "datetime": "2026-01-09T14:35:08.272000+00:00",
    "url": "https://example.com/voicemail.mp3",
    "https_url": "https://example.com/recording.mp3",
    "phone": "+16505551234",
    "object": {"example": "value"},
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
# Response keys whose schema the samples cannot show: a format, or values empty or always null.
_RESPONSE_HINTS: Mapping[str, Schema] = {
    "date_created": _KINDS["datetime"],
    "date_updated": _KINDS["datetime"],
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
    schema = dict(_KINDS[field.kind])
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    return schema


def request_schema(title: str, schema: Mapping[str, Field]) -> Schema:
    """A request body: every key optional; scalars nullable as Close declares them."""
    properties = {key: field_schema(key, field) for key, field in schema.items()}
    for key, field in schema.items():
        if field.kind != "choice":
            properties[key] = nullable(properties[key])
    properties.update(_LIST_PROPERTIES.get(title, {}))
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
    "url": nullable(_KINDS["url"]),
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
    for name in ("Lead", "Contact"):
        # Custom field values are keys of their own: `custom.cf_…`.
        crm[name][f"{name}Fields"]["patternProperties"] = {r"^custom\.": {}}
    return {
        **choices,
        **{name: request_schema(name, fields) for name, fields in REQUEST_BODIES.items()},
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
    sample = TooManyRequests(limit=1, reset=0.5, window=1.0, limit_type="key", group="g")
    details = closed_object(
        properties_of(
            [sample.details], {"rate_reset": {"type": "number"}, "rate_window": {"type": "number"}}
        )
    )
    return closed_object({**details["properties"], "error": details}, title="RateLimitError")


def query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


FIELDS = query(
    "_fields",
    {"type": "string"},
    "Comma-separated keys to return; unknown ones are ignored, `_all` adds the optional ones.",
)


def paging(maximum: int = MAX_LIMIT) -> tuple[Schema, Schema]:
    """`_limit` up to the resource's maximum, and `_skip`."""
    return (
        query("_limit", {"type": "integer", "minimum": 0, "maximum": maximum,
                         "default": DEFAULT_LIMIT}, "Page size."),
        query("_skip", {"type": "integer", "minimum": 0, "maximum": MAX_SKIP, "default": 0},
              "Rows to skip."),
    )  # fmt: skip


PAGING = paging()
TZ_OFFSET = {
    "name": "x-tz-offset",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": r"^-?[0-9]{1,2}(\.[0-9]+)?$"},
    "description": "The caller's UTC offset in hours, for naive datetimes and dates.",
}
_TIME_BOUND: Schema = {"anyOf": [{"type": "string", "format": "date"}, _KINDS["datetime"]]}
_ID_LISTS = ("id__in", "lead_id", "contact_id", "user_id", "_type")
CALL_FILTERS = (
    *PAGING,
    *(query(name, {"type": "string"}, "Comma-separated values.") for name in _ID_LISTS),
    query("organization_id", {"type": "string"}, "The caller's own; any other matches nothing."),
    *(
        query(f"{name}__{comparison}", _TIME_BOUND, f"Bound on `{name}`: a date or datetime.")
        for name in DATE_FIELDS
        for comparison in COMPARISONS
    ),
    query("_order_by", {"type": "string", "enum": list(ORDERINGS)}, "Other values are ignored."),
    TZ_OFFSET,
)
ACTIVITY_FILTERS = (
    *CALL_FILTERS,
    *(
        query(f"{name}__in", {"type": "string"}, f"The same as `{name}`.")
        for name in ("lead_id", *LEAD_ONLY_FILTERS)
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """What the routes do not say about an operation: its answer, parameters and body."""

    response: Schema
    summary: str = ""
    status: int = 200
    parameters: tuple[Schema, ...] = ()
    body: str | None = None
    # 404 without a path parameter: the caller's own user can vanish under it.
    may_be_missing: bool = False
    # 409: the object changed under a checked update more often than it retries.
    may_conflict: bool = False
    # 400 from a rule on the stored data (a lead status still in use).
    may_refuse: bool = False

    @property
    def refusable(self) -> bool:
        """Can answer 400: it reads a body or its query, where a NUL in any parameter is refused."""
        return self.body is not None or bool(self.parameters) or self.may_refuse


EMPTY_OBJECT: Schema = {"type": "object", "maxProperties": 0}


def crud_operations(kind: str, *, counted: bool) -> dict[str, Operation]:
    """Create, list, get, update and delete of one CRM object kind."""
    lower = kind.lower()
    list_parameters: tuple[Schema, ...] = (*paging(MAX_LIMITS.get(lower, MAX_LIMIT)), FIELDS)
    if kind == "Contact":
        list_parameters = (query("lead_id", {"type": "string"}, "Comma-separated lead ids."),
                           *list_parameters)  # fmt: skip
    if kind in ("Lead", "Contact"):
        list_parameters = (openapi_leads.QUERY_PARAMETER, *list_parameters)
    return {
        "create": Operation(summary=f"Create a {lower}", response=ref(f"{kind}Fields"),
                            body=f"Create{kind}", parameters=(FIELDS,),
                            status=201 if kind == "Outcome" else 200),
        "list": Operation(summary=f"List {lower}s", parameters=list_parameters,
                          response=page(ref(f"{kind}Fields"), counted=counted)),
        "get": Operation(summary=f"Fetch a single {lower}", response=ref(f"{kind}Fields"),
                         parameters=(FIELDS,)),
        "update": Operation(summary=f"Update a {lower}", response=ref(f"{kind}Fields"),
                            body=f"Update{kind}", parameters=(FIELDS,)),
        "delete": Operation(summary=f"Delete a {lower}", response=EMPTY_OBJECT),
    }  # fmt: skip


# Keyed by the handler's qualified name, so a new route without an entry fails the build.
# The admin API (/_closecalls/, closecalls.toolkit.admin) is left out on purpose: it is not
# Close's, and clients generated from this document must see only what Close serves.
OPERATIONS: Mapping[str, Operation] = {
    "CallHandlers.create": Operation(
        summary="Log an external Call activity",
        response=ref("CallActivity"),
        body="CreateCallActivity",
    ),
    "CallHandlers.list": Operation(
        summary="List or filter Call activities",
        response=page(ref("CallActivityFields")),
        parameters=(*CALL_FILTERS, FIELDS),
    ),
    "CallHandlers.get": Operation(
        summary="Get a single Call activity",
        response=ref("CallActivityFields"),
        parameters=(FIELDS,),
    ),
    "CallHandlers.update": Operation(
        summary="Update a Call activity",
        response=ref("CallActivity"),
        body="UpdateCallActivity",
        may_conflict=True,
    ),
    "CallHandlers.delete": Operation(summary="Delete a Call activity", response=EMPTY_OBJECT),
    "ActivityHandlers.list": Operation(
        summary="List or filter all activities",
        response=page(ref("CallActivityFields")),
        parameters=(*ACTIVITY_FILTERS, FIELDS),
    ),
    "UserHandlers.me": Operation(
        summary="Fetch your user information",
        response=ref("MeFields"),
        parameters=(FIELDS,),
        may_be_missing=True,
    ),
    "UserHandlers.list": Operation(
        summary="List the users of your organization",
        response=page(ref("UserFields")),
        parameters=(*paging(MAX_LIMITS["user"]), FIELDS),
    ),
    "UserHandlers.get": Operation(
        summary="Fetch a single user", response=ref("UserFields"), parameters=(FIELDS,)
    ),
    "UserHandlers.organization": Operation(
        summary="Fetch your organization",
        response=ref("OrganizationFields"),
        parameters=(FIELDS, openapi_leads.EXPAND),
    ),
    **{
        f"{kind}Handlers.{action}": operation_spec
        for kind, counted in (("Lead", True), ("Contact", False), ("Outcome", False))
        for action, operation_spec in crud_operations(kind, counted=counted).items()
    },
    "EventHandlers.list": Operation(
        summary="List events",
        response=ref("EventPage"),
        parameters=openapi_events.EVENT_PARAMETERS,
    ),
    "EventHandlers.get": Operation(summary="Fetch a single event", response=ref("Event")),
    "WebhookHandlers.create": Operation(
        summary="Create a webhook subscription",
        response=ref("WebhookSubscription"),
        body="CreateWebhook",
        status=201,
    ),
    "WebhookHandlers.list": Operation(
        summary="List webhook subscriptions", response=page(ref("WebhookSubscription"))
    ),
    "WebhookHandlers.get": Operation(
        summary="Fetch a webhook subscription", response=ref("WebhookSubscription")
    ),
    "WebhookHandlers.update": Operation(
        summary="Update, pause or resume a webhook subscription",
        response=ref("WebhookSubscription"),
        body="UpdateWebhook",
    ),
    "WebhookHandlers.delete": Operation(
        summary="Delete a webhook subscription", response=EMPTY_OBJECT
    ),
    "WebhookHandlers.deliveries": Operation(
        summary="A webhook subscription's delivery log, newest first",
        response=page(ref("DeliveryAttempt")),
        parameters=PAGING,
    ),
    "WebhookHandlers.redeliver": Operation(
        summary="Deliver an event to a webhook subscription again, now", response=EMPTY_OBJECT
    ),
    **{name: Operation(**spec) for name, spec in openapi_leads.OPERATIONS.items()},
    "OpenApiHandlers.document": Operation(
        response={"type": "object", "required": ["openapi", "info", "paths"]}
    ),
}


def error_responses() -> dict[str, Schema]:
    """One reusable response per error status, named by its number."""
    responses: dict[str, Schema] = {}
    for error in (BadRequest, Unauthorized, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge):
        body = ref("BadRequestError" if error is BadRequest else "Error")
        responses[str(error.status)] = {
            "description": HTTPStatus(error.status).phrase,
            "content": {JSON: {"schema": body}},
        }
    responses[str(MethodNotAllowed.status)]["headers"] = {
        "allow": {"description": "The methods this path serves.", "schema": {"type": "string"}}
    }
    responses[str(TooManyRequests.status)] = {
        "description": HTTPStatus.TOO_MANY_REQUESTS.phrase,
        "content": {JSON: {"schema": ref("RateLimitError")}},
        "headers": {
            "ratelimit": {
                "description": "limit=N, remaining=0, reset=SECONDS",
                "schema": {"type": "string"},
            },
            "retry-after": {
                "description": "Seconds until a request will pass.",
                "schema": {"type": "string"},
            },
        },
    }
    return responses


def error_statuses(route: Route, method: str, spec: Operation) -> list[int]:
    """Every error status the operation can answer."""
    errors: list[type[ApiError]] = []
    if spec.refusable:
        errors.append(BadRequest)
    if not route.public:
        errors += [Unauthorized, TooManyRequests]
    if "{" in route.path or spec.may_be_missing:
        errors.append(NotFound)
    if method == "POST":
        # `x-http-method-override` may name a method the path does not serve.
        errors.append(MethodNotAllowed)
    if spec.may_conflict:
        errors.append(Conflict)
    if spec.body is not None:
        errors.append(PayloadTooLarge)
    return [error.status for error in errors]


def operation(route: Route, method: str, handler: Handler) -> Schema:
    """One method of one path; the handler's docstring, if any, is the summary."""
    name = handler.__qualname__
    spec = OPERATIONS.get(name)
    if spec is None:
        raise KeyError(f"no OpenAPI operation for {name} ({method} {route.path})")
    kind, _, action = name.partition(".")
    tag = kind.removesuffix("Handlers")
    path_parameters = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for part in route.path.split("/")
        if part.startswith("{")
    ]
    responses: Schema = {
        str(spec.status): {
            "description": "Successful response",
            "content": {JSON: {"schema": spec.response}},
        }
    }
    for status in error_statuses(route, method, spec):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    result: Schema = {
        "operationId": f"{tag.lower()}_{action}",
        "summary": (handler.__doc__ or spec.summary).strip().rstrip("."),
        "tags": [tag],
        "parameters": [*path_parameters, *spec.parameters],
        "responses": responses,
    }
    if spec.body is not None:
        bodies = {**openapi_events.BODIES, **openapi_leads.BODIES}
        example = bodies.get(spec.body) or example_body(REQUEST_BODIES[spec.body])
        media = {"schema": ref(spec.body), "example": example}
        result["requestBody"] = {"required": True, "content": {JSON: media}}
    if route.public:
        result["security"] = []
    return result


def build_document(routes: Iterable[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these routes; raises if a handler has no Operation entry."""
    paths: dict[str, Schema] = {}
    for route in routes:
        if not route.path.startswith(API_PREFIX + "/"):
            raise ValueError(f"{route.path} is outside {API_PREFIX}")
        item = paths.setdefault(route.path.removeprefix(API_PREFIX), {})
        for method, handler in route.methods.items():
            item[method.lower()] = operation(route, method, handler)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "closecalls",
            "version": closecalls.__version__,
            "description": (closecalls.__doc__ or "").strip(),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"ApiKeyAuth": []}, {"OAuth2": []}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "responses": error_responses(),
            "securitySchemes": {
                "ApiKeyAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The API key as the username and an empty password.",
                },
                "OAuth2": {"type": "http", "scheme": "bearer"},
            },
        },
    }
