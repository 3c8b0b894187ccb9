"""OpenAPI schemas and operations of lead search, statuses, custom fields and the organization."""

from __future__ import annotations

from typing import Any

from closecalls.domain import advanced_filter, custom_fields
from closecalls.domain.listing import DEFAULT_LIMIT, MAX_LIMITS, MAX_SKIP

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

_NULLABLE_STRING: Schema = {"type": ["string", "null"]}
_STRINGS: Schema = {"type": "array", "items": _STRING}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(title: str, properties: dict[str, Schema], *, closed: bool = True) -> Schema:
    schema: Schema = {"type": "object", "title": title, "properties": properties,
                      "required": list(properties)}  # fmt: skip
    if closed:
        schema["additionalProperties"] = False
    return schema


def _selectable(schema: Schema) -> Schema:
    """The object as `_fields` may restrict it: every key optional."""
    return {key: value for key, value in schema.items() if key != "required"}


def _page(item: Schema) -> Schema:
    return _object("", {"data": {"type": "array", "items": item}, "has_more": {"type": "boolean"}})


LEAD_STATUS = _object("LeadStatus", {"id": _STRING, "label": _STRING, "color": _NULLABLE_STRING,
                                     "organization_id": _STRING})  # fmt: skip
CREATE_LEAD_STATUS: Schema = {
    "type": "object", "title": "CreateLeadStatus",
    "properties": {"label": {"type": "string", "minLength": 1}, "color": _NULLABLE_STRING},
    "required": ["label"],
}  # fmt: skip
UPDATE_LEAD_STATUS: Schema = {**CREATE_LEAD_STATUS, "title": "UpdateLeadStatus", "required": []}
CUSTOM_FIELD = _object("CustomField", {
    "id": _STRING, "name": _STRING, "description": _NULLABLE_STRING,
    "type": {"type": "string", "enum": list(custom_fields.TYPES)},
    "accepts_multiple_values": {"type": "boolean"}, "choices": _STRINGS,
    "editable_with_roles": _STRINGS, "is_shared": {"type": "boolean"},
    "organization_id": _STRING, "created_by": _NULLABLE_STRING, "updated_by": _NULLABLE_STRING,
    "date_created": _STRING, "date_updated": _STRING,
})  # fmt: skip
CREATE_CUSTOM_FIELD: Schema = {
    "type": "object", "title": "CreateCustomField",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"type": "string", "enum": list(custom_fields.TYPES)},
        "accepts_multiple_values": {"type": "boolean"}, "choices": _STRINGS,
        "description": _NULLABLE_STRING,
        "editable_with_roles": {"type": "array",
                                "items": {"type": "string", "enum": list(custom_fields.ROLES)}},
    },
    "required": ["name", "type"],
}  # fmt: skip
UPDATE_CUSTOM_FIELD: Schema = {**CREATE_CUSTOM_FIELD, "title": "UpdateCustomField", "required": []}
MEMBERSHIP: Schema = {
    "type": "object", "title": "Membership",
    "properties": {"id": _STRING, "organization_id": _STRING, "user_id": _STRING,
                   "role_id": _STRING, "role": _STRING, "permissions_granted": _STRINGS,
                   "auto_record_calls": _STRING, "is_active": {"type": "boolean"},
                   "user": {"type": "object"}},
    "required": ["id", "organization_id", "user_id", "role_id", "role"],
}  # fmt: skip
ORGANIZATION_PROPERTIES: dict[str, Schema] = {
    "id": _STRING, "name": _STRING, "date_created": _STRING, "date_updated": _STRING,
    "currency": _STRING, "currency_symbol": _STRING, "status": _STRING,
    "user_count": {"type": "integer"},
    "lead_statuses": {"type": "array", "items": {"type": "object"}},
    "opportunity_statuses": {"type": "array", "items": {"type": "object"}},
    "lead_custom_fields": {"type": "array", "items": _ref("CustomField")},
    "memberships": {"type": "array", "items": _ref("Membership")},
    "inactive_memberships": {"type": "array", "items": _ref("Membership")},
}  # fmt: skip
ORGANIZATION_FIELDS: Schema = {
    "type": "object", "title": "OrganizationFields", "properties": ORGANIZATION_PROPERTIES,
    "additionalProperties": False,
    "description": "An Organization restricted to the keys named by `_fields`.",
}  # fmt: skip
UPDATE_ORGANIZATION: Schema = {
    "type": "object", "title": "UpdateOrganization",
    "properties": {"name": {"type": "string", "minLength": 1},
                   "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                   "lead_statuses": {"type": "array", "items": {"type": "object"}}},
}  # fmt: skip

SCHEMAS: dict[str, Schema] = {
    "DataSearch": DATA_SEARCH, "DataSearchPage": DATA_SEARCH_PAGE, "LeadStatus": LEAD_STATUS,
    "CreateLeadStatus": CREATE_LEAD_STATUS, "UpdateLeadStatus": UPDATE_LEAD_STATUS,
    "CustomField": CUSTOM_FIELD, "CreateCustomField": CREATE_CUSTOM_FIELD,
    "UpdateCustomField": UPDATE_CUSTOM_FIELD, "Membership": MEMBERSHIP,
    "OrganizationFields": ORGANIZATION_FIELDS,
    "Organization": {"allOf": [_ref("OrganizationFields")],
                     "required": list(ORGANIZATION_PROPERTIES), "title": "Organization"},
    "UpdateOrganization": UPDATE_ORGANIZATION,
}  # fmt: skip
BODIES: dict[str, Any] = {
    "DataSearch": DATA_SEARCH_EXAMPLE, "CreateLeadStatus": {"label": "Interested"},
    "UpdateLeadStatus": {"color": "#00ff00"},
    "CreateCustomField": {"name": "Last call outcome", "type": "choices",
                          "choices": ["Reached", "Voicemail"]},
    "UpdateCustomField": {"name": "Outcome of the last call"},
    "UpdateOrganization": {"currency": "EUR"},
}  # fmt: skip
_FIELDS: Schema = {
    "name": "_fields", "in": "query", "required": False, "schema": _STRING,
    "description": "Comma-separated keys to return.",
}  # fmt: skip
_PAGING = tuple(
    {"name": name, "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, **extra}, "description": description}
    for name, extra, description in (
        ("_limit", {"maximum": MAX_LIMITS["custom_field"], "default": DEFAULT_LIMIT}, "Page size."),
        ("_skip", {"maximum": MAX_SKIP, "default": 0}, "Rows to skip."),
    )
)  # fmt: skip
_CUSTOM_FIELD = _ref("CustomField")
EXPAND: Schema = {
    "name": "_expand", "in": "query", "required": False,
    "schema": {"type": "string", "enum": ["memberships__user", "inactive_memberships__user",
                                          "memberships__user,inactive_memberships__user"]},
    "description": "Nest each membership's user as `user` instead of `user_` keys.",
}  # fmt: skip
QUERY_PARAMETER: Schema = {
    "name": "query", "in": "query", "required": False, "schema": _STRING,
    "description": "Close's search language; an unimplemented clause answers 400 naming it.",
}  # fmt: skip
# Keyword arguments of openapi.Operation, by handler.
OPERATIONS: dict[str, dict[str, Any]] = {
    "SearchHandlers.search": {
        "summary": "Find leads or contacts (Advanced Filtering)",
        "response": _ref("DataSearchPage"),
        "body": "DataSearch",
    },
    "StatusHandlers.list": {"summary": "List lead statuses",
                            "response": _page(_selectable(LEAD_STATUS)), "parameters": (_FIELDS,)},
    "StatusHandlers.get": {"summary": "Fetch a lead status", "response": _selectable(LEAD_STATUS),
                           "parameters": (_FIELDS,)},
    "StatusHandlers.create": {"summary": "Create a lead status", "response": LEAD_STATUS,
                              "body": "CreateLeadStatus"},
    "StatusHandlers.update": {"summary": "Rename or recolour a lead status",
                              "response": LEAD_STATUS, "body": "UpdateLeadStatus"},
    "StatusHandlers.delete": {"summary": "Delete a lead status no lead has",
                              "response": {"type": "object", "maxProperties": 0},
                              "may_refuse": True},
    "CustomFieldHandlers.list": {"summary": "List custom fields of an object type",
                                 "response": _page(_selectable(CUSTOM_FIELD)),
                                 "parameters": (*_PAGING, _FIELDS)},
    "CustomFieldHandlers.get": {"summary": "Fetch a custom field",
                                "response": _selectable(CUSTOM_FIELD), "parameters": (_FIELDS,)},
    "CustomFieldHandlers.create": {"summary": "Create a custom field", "response": _CUSTOM_FIELD,
                                   "body": "CreateCustomField"},
    "CustomFieldHandlers.update": {"summary": "Update a custom field", "response": _CUSTOM_FIELD,
                                   "body": "UpdateCustomField"},
    "CustomFieldHandlers.delete": {"summary": "Delete a custom field and its values",
                                   "response": {"type": "object", "maxProperties": 0}},
    "UserHandlers.update_organization": {
        "summary": "Rename your organization, set its currency or reorder its lead statuses",
        "response": _ref("Organization"), "body": "UpdateOrganization",
    },
}  # fmt: skip
