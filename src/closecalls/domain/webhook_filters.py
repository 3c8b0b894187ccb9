"""Close's webhook filter trees: checked when a subscription is saved, evaluated per event."""

from __future__ import annotations

from typing import Any

# Each operator and the keys it needs besides `type`.
OPERATORS: dict[str, tuple[str, ...]] = {
    "equals": ("value",),
    "not_equals": ("value",),
    "is_null": (),
    "non_null": (),
    "contains": ("value",),
    "and": ("filters",),
    "or": ("filters",),
    "not": ("filter",),
    "field_accessor": ("field", "filter"),
    "any_array_value": ("filter",),
}
MAX_DEPTH = 32
_MISSING = object()


def filter_problem(tree: Any, depth: int = 0) -> str | None:
    """Why a filter tree is malformed, or None when it can be evaluated."""
    if depth > MAX_DEPTH:
        return f"Filters may nest at most {MAX_DEPTH} deep."
    if not isinstance(tree, dict):
        return "A filter must be an object."
    kind = tree.get("type")
    if not isinstance(kind, str) or kind not in OPERATORS:
        return f"Unknown filter type: {kind!r}."
    for key in OPERATORS[kind]:
        if key not in tree:
            return f"A {kind} filter needs {key!r}."
    if kind in ("and", "or"):
        if not isinstance(tree["filters"], list):
            return f"A {kind} filter's 'filters' must be a list."
        for child in tree["filters"]:
            if problem := filter_problem(child, depth + 1):
                return problem
        return None
    if kind == "field_accessor" and not isinstance(tree["field"], str):
        return "A field_accessor filter's 'field' must be a string."
    if "filter" in OPERATORS[kind]:
        return filter_problem(tree["filter"], depth + 1)
    return None


def matches(tree: dict[str, Any], value: Any) -> bool:
    """Whether `value` (an event, or a part of one) passes the filter tree."""
    kind = tree["type"]
    if kind == "field_accessor":
        inner = value.get(tree["field"], _MISSING) if isinstance(value, dict) else _MISSING
        # A field the value lacks reads as null, so `is_null` can test for absence.
        return matches(tree["filter"], None if inner is _MISSING else inner)
    if kind == "any_array_value":
        return isinstance(value, list) and any(matches(tree["filter"], item) for item in value)
    if kind == "and":
        return all(matches(child, value) for child in tree["filters"])
    if kind == "or":
        return any(matches(child, value) for child in tree["filters"])
    if kind == "not":
        return not matches(tree["filter"], value)
    if kind == "equals":
        return bool(value == tree["value"])
    if kind == "not_equals":
        return bool(value != tree["value"])
    if kind == "is_null":
        return value is None
    if kind == "non_null":
        return value is not None
    # contains: an item of a list, or a substring of a string.
    wanted = tree["value"]
    if isinstance(value, list):
        return wanted in value
    return isinstance(value, str) and isinstance(wanted, str) and wanted in value
