"""OpenAPI schemas and parameters of the event log and webhook routes."""

from __future__ import annotations

from typing import Any

from closecalls.domain.eventlog import FILTERS, MAX_LIMIT
from closecalls.domain.listing import COMPARISONS
from closecalls.domain.webhook_filters import OPERATORS
from closecalls.domain.webhooks import STATUSES

Schema = dict[str, Any]

_STRING: Schema = {"type": "string"}
_NULLABLE_STRING: Schema = {"type": ["string", "null"]}
_FILTER: Schema = {
    "type": "object",
    "properties": {"type": {"type": "string", "enum": list(OPERATORS)}},
    "required": ["type"],
}
_EVENT_TYPE: Schema = {
    "type": "object",
    "properties": {
        "object_type": {"type": "string", "minLength": 1},
        "action": {"type": "string", "minLength": 1},
        "extra_filter": {"anyOf": [_FILTER, {"type": "null"}]},
    },
    "required": ["object_type", "action"],
    "additionalProperties": False,
}
_EVENT_KEYS = ("id", "date_created", "date_updated", "organization_id", "user_id", "request_id",
               "api_key_id", "object_type", "object_id", "lead_id", "action", "changed_fields",
               "previous_data", "data", "meta")  # fmt: skip

EVENT: Schema = {
    "type": "object",
    "title": "Event",
    "properties": {
        "id": _STRING, "date_created": _STRING, "date_updated": _STRING,
        "organization_id": _STRING, "user_id": _NULLABLE_STRING,
        "request_id": _NULLABLE_STRING, "api_key_id": _NULLABLE_STRING,
        "object_type": _STRING, "object_id": _STRING, "lead_id": _NULLABLE_STRING,
        "action": _STRING, "changed_fields": {"type": "array", "items": _STRING},
        "previous_data": {"type": "object"}, "data": {"type": ["object", "null"]},
        "meta": {"type": "object"},
    },
    "required": list(_EVENT_KEYS),
}  # fmt: skip
EVENT_PAGE: Schema = {
    "type": "object",
    "title": "EventPage",
    "properties": {
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
        "cursor_next": _NULLABLE_STRING,
        "cursor_previous": _NULLABLE_STRING,
    },
    "required": ["data", "cursor_next", "cursor_previous"],
    "additionalProperties": False,
}
WEBHOOK: Schema = {
    "type": "object",
    "title": "WebhookSubscription",
    "properties": {
        "id": _STRING, "organization_id": _STRING, "created_by": _NULLABLE_STRING,
        "url": _STRING, "events": {"type": "array", "items": _EVENT_TYPE},
        "event_filter": {"anyOf": [_FILTER, {"type": "null"}]},
        "status": {"type": "string", "enum": list(STATUSES)}, "verify_ssl": {"type": "boolean"},
        "signature_key": {"type": "string", "pattern": "^[0-9a-f]+$"},
        "date_created": _STRING, "date_updated": _STRING,
    },
    "required": ["id", "url", "events", "event_filter", "status", "verify_ssl",
                 "signature_key", "date_created", "date_updated"],
}  # fmt: skip
DELIVERY_ATTEMPT: Schema = {
    "type": "object",
    "title": "DeliveryAttempt",
    "properties": {
        "event_id": _STRING, "attempt": {"type": "integer"}, "date_attempted": _STRING,
        "status_code": {"type": ["integer", "null"]}, "error": _NULLABLE_STRING,
        "latency_ms": {"type": "number"}, "succeeded": {"type": "boolean"},
    },
    "required": ["event_id", "attempt", "date_attempted", "status_code", "error", "latency_ms",
                 "succeeded"],
    "additionalProperties": False,
}  # fmt: skip
_URL: Schema = {"type": "string", "format": "uri", "description": "An http:// or https:// URL."}
CREATE_WEBHOOK: Schema = {
    "type": "object",
    "title": "CreateWebhook",
    "properties": {
        "url": _URL,
        "events": {"type": "array", "items": _EVENT_TYPE, "minItems": 1},
        "verify_ssl": {"type": "boolean"},
        "event_filter": {"anyOf": [_FILTER, {"type": "null"}]},
    },
    "required": ["url", "events"],
}
UPDATE_WEBHOOK: Schema = {
    **CREATE_WEBHOOK,
    "title": "UpdateWebhook",
    "properties": {
        **CREATE_WEBHOOK["properties"],
        "status": {"type": "string", "enum": list(STATUSES)},
    },
    "required": [],
}
WEBHOOK_EXAMPLE = {
    "url": "https://example.com/hook",
    "events": [{"object_type": "activity.call", "action": "created"}],
}
SCHEMAS: dict[str, Schema] = {
    "Event": EVENT,
    "EventPage": EVENT_PAGE,
    "WebhookSubscription": WEBHOOK,
    "DeliveryAttempt": DELIVERY_ATTEMPT,
    "CreateWebhook": CREATE_WEBHOOK,
    "UpdateWebhook": UPDATE_WEBHOOK,
}
# Request bodies described by a schema of their own, with the example each is shown with.
BODIES: dict[str, Any] = {"CreateWebhook": WEBHOOK_EXAMPLE, "UpdateWebhook": {"status": "paused"}}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


EVENT_PARAMETERS: tuple[Schema, ...] = (
    *(_query(name, _STRING, "Only certain combinations are allowed.") for name in FILTERS),
    *(
        _query(f"date_updated__{comparison}", _STRING, "Bound on `date_updated`.")
        for comparison in COMPARISONS
    ),
    _query("_cursor", _STRING, "`cursor_next` or `cursor_previous` of an earlier page."),
    _query("_limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Page size."),
)
