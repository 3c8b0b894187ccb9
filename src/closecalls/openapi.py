"""The OpenAPI 3.1 document of the routes, built from the tables the server validates with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import closecalls
from closecalls import openapi_activities, openapi_events, openapi_leads
from closecalls.domain.listing import (
    COMPARISONS,
    DATE_FIELDS,
    DEFAULT_LIMIT,
    LEAD_ONLY_FILTERS,
    MAX_LIMIT,
    MAX_LIMITS,
    MAX_SKIP,
    ORDERINGS,
    TZ_OFFSET_PATTERN,
)
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
from closecalls.openapi_schemas import (
    API_PREFIX,
    EMPTY,
    JSON,
    KINDS,
    REQUEST_BODIES,
    Schema,
    example_body,
    page,
    ref,
    schemas,
)


def query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


FIELDS = query(
    "_fields",
    {"type": "string"},
    "Comma-separated keys to return; unknown ones are ignored, `_all` adds the optional ones.",
)


# An empty `_limit` or `_skip` is the default, as Close reads it.
def paging(maximum: int = MAX_LIMIT) -> tuple[Schema, Schema]:
    """`_limit` up to the resource's maximum, and `_skip`."""
    return (
        query("_limit", {"anyOf": [{"type": "integer", "minimum": 0, "maximum": maximum,
                                    "default": DEFAULT_LIMIT}, EMPTY]}, "Page size."),
        query("_skip", {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_SKIP,
                                   "default": 0}, EMPTY]}, "Rows to skip."),
    )  # fmt: skip


PAGING = paging()
TZ_OFFSET = {
    "name": "x-tz-offset",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": TZ_OFFSET_PATTERN},
    "description": "The caller's UTC offset in hours, under 24 either way, for naive datetimes "
    "and dates; empty is UTC.",
}
_TIME_BOUND: Schema = {"anyOf": [{"type": "string", "format": "date"}, KINDS["datetime"]]}
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
    query(
        "_order_by",
        {"type": "string", "examples": list(ORDERINGS)},
        f"One of {', '.join(ORDERINGS)}; other values are ignored (newest first), as Close "
        "ignores them.",
    ),
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


# A type the timeline holds that has no resource here (another writer's) is still an object.
ANY_ACTIVITY: Schema = {"anyOf": [
    ref("CallActivityFields"),
    *(ref(f"{resource.schema}Fields") for resource in openapi_activities.RESOURCES),
    {"type": "object", "required": ["id", "_type"]},
]}  # fmt: skip


def activity_operations(resource: openapi_activities.Resource) -> dict[str, Operation]:
    """The operations of one typed activity resource, as the calls resource has them."""
    name, label = resource.schema, resource.kind.name
    operations = {
        "list": Operation(summary=f"List or filter {label} activities",
                          response=page(ref(f"{name}Fields")), parameters=(*CALL_FILTERS, FIELDS)),
        "get": Operation(summary=f"Get a single {label} activity", response=ref(f"{name}Fields"),
                         parameters=(FIELDS,)),
        "update": Operation(summary=f"Update a {label} activity", response=ref(name),
                            body=resource.update_body, may_conflict=True),
        "delete": Operation(summary=f"Delete a {label} activity", response=EMPTY_OBJECT),
    }  # fmt: skip
    if resource.create_body is not None:
        operations["create"] = Operation(
            summary=f"Create a {label} activity", response=ref(name), body=resource.create_body
        )
    return operations


def task_operations() -> dict[str, Operation]:
    """The Tasks resource: list and bulk update share their filters."""
    filters = tuple(
        query(name, {"type": "string"}, text) for name, text in openapi_activities.TASK_FILTERS
    )
    listing = (*PAGING, *filters, TZ_OFFSET)
    return {
        "list": Operation(summary="List or filter tasks", response=page(ref("TaskFields")),
                          parameters=(*listing, FIELDS)),
        "create": Operation(summary="Create a task", response=ref("TaskFields"),
                            body="CreateTask", parameters=(FIELDS,)),
        "bulk_update": Operation(summary="Bulk-update tasks", response=EMPTY_OBJECT,
                                 body="BulkUpdateTask", parameters=listing),
        "get": Operation(summary="Fetch a single task", response=ref("TaskFields"),
                         parameters=(FIELDS, TZ_OFFSET)),
        "update": Operation(summary="Update a task", response=ref("TaskFields"),
                            body="UpdateTask", parameters=(FIELDS, TZ_OFFSET)),
        "delete": Operation(summary="Delete a task", response=EMPTY_OBJECT),
    }  # fmt: skip


def operation_key(handler: Handler) -> str:
    """`Class.method` of a handler: the subclass's name where the method is inherited."""
    owner = getattr(handler, "__self__", None)
    if owner is None:
        return handler.__qualname__
    return f"{type(owner).__name__}.{handler.__name__}"


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
        response=page(ANY_ACTIVITY),
        parameters=(*ACTIVITY_FILTERS, FIELDS),
    ),
    "ActivityHandlers.delete": Operation(summary="Delete an activity", response=EMPTY_OBJECT),
    **{
        f"{resource.handlers}.{action}": operation_spec
        for resource in openapi_activities.RESOURCES
        for action, operation_spec in activity_operations(resource).items()
    },
    **{f"TaskHandlers.{action}": spec for action, spec in task_operations().items()},
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
    name = operation_key(handler)
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
        bodies = {**openapi_events.BODIES, **openapi_activities.BODIES, **openapi_leads.BODIES}
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
