"""OpenAPI schemas and operations of lead search, statuses, custom fields and the organization."""

from __future__ import annotations

from typing import Any

from closecalls.domain import advanced_filter

Schema = dict[str, Any]

_STRING: Schema = {"type": "string"}
_NODE: Schema = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["and", "or", "object_type", "has_related",
                                            "field_condition", "match_all"]},
        "negate": {"type": "boolean"},
    },
    "required": ["type"],
    "description": "An Advanced Filtering query node; unimplemented shapes answer 400.",
}  # fmt: skip
DATA_SEARCH: Schema = {
    "type": "object",
    "title": "DataSearch",
    "properties": {
        "query": _NODE,
        "_limit": {"type": "integer", "minimum": 0, "maximum": advanced_filter.MAX_LIMIT},
        "cursor": {"type": ["string", "null"]},
        "results_limit": {"type": ["integer", "null"], "minimum": 0},
        "_fields": {"type": "object", "additionalProperties": {"type": "array",
                                                               "items": _STRING}},
        "sort": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["query"],
}  # fmt: skip
DATA_SEARCH_PAGE: Schema = {
    "type": "object",
    "title": "DataSearchPage",
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"__object_type": {"type": "string", "enum": ["lead", "contact"]},
                               "id": _STRING},
                "required": ["__object_type", "id"],
            },
        },
        "cursor": {"type": ["string", "null"]},
    },
    "required": ["data", "cursor"],
    "additionalProperties": False,
}  # fmt: skip
DATA_SEARCH_EXAMPLE = {
    "query": {"type": "and", "queries": [
        {"type": "object_type", "object_type": "lead"},
        {"type": "has_related", "this_object_type": "lead", "related_object_type": "contact_phone",
         "related_query": {"type": "field_condition",
                           "field": {"type": "regular_field", "object_type": "contact_phone",
                                     "field_name": "phone"},
                           "condition": {"type": "text", "mode": "phrase",
                                         "value": "+16505551234"}}}]},
    "_limit": 1,
}  # fmt: skip

SCHEMAS: dict[str, Schema] = {"DataSearch": DATA_SEARCH, "DataSearchPage": DATA_SEARCH_PAGE}
BODIES: dict[str, Any] = {"DataSearch": DATA_SEARCH_EXAMPLE}
QUERY_PARAMETER: Schema = {
    "name": "query", "in": "query", "required": False, "schema": _STRING,
    "description": "Close's search language; an unimplemented clause answers 400 naming it.",
}  # fmt: skip
# Keyword arguments of openapi.Operation, by handler.
OPERATIONS: dict[str, dict[str, Any]] = {
    "SearchHandlers.search": {
        "summary": "Find leads or contacts (Advanced Filtering)",
        "response": {"$ref": "#/components/schemas/DataSearchPage"},
        "body": "DataSearch",
    },
}
