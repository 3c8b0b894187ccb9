"""Close's webhook filter operators, each evaluated against real event shapes."""

from __future__ import annotations

from typing import Any

import pytest

from closecalls.domain.webhook_filters import OPERATORS, filter_problem, matches

EVENT: dict[str, Any] = {
    "object_type": "activity.call",
    "action": "updated",
    "user_id": "user_1",
    "lead_id": None,
    "changed_fields": ["duration", "date_updated"],
    "data": {"direction": "outbound", "note": "Asked for a demo", "duration": 42},
}


def field(name: str, inner: dict[str, Any]) -> dict[str, Any]:
    return {"type": "field_accessor", "field": name, "filter": inner}


CASES: dict[str, list[tuple[dict[str, Any], bool]]] = {
    "equals": [
        (field("user_id", {"type": "equals", "value": "user_1"}), True),
        (field("user_id", {"type": "equals", "value": "user_2"}), False),
    ],
    "not_equals": [
        (field("action", {"type": "not_equals", "value": "created"}), True),
        (field("action", {"type": "not_equals", "value": "updated"}), False),
    ],
    "is_null": [
        (field("lead_id", {"type": "is_null"}), True),
        (field("absent", {"type": "is_null"}), True),
        (field("user_id", {"type": "is_null"}), False),
    ],
    "non_null": [
        (field("user_id", {"type": "non_null"}), True),
        (field("lead_id", {"type": "non_null"}), False),
    ],
    "contains": [
        (field("changed_fields", {"type": "contains", "value": "duration"}), True),
        (field("changed_fields", {"type": "contains", "value": "note"}), False),
        (field("data", field("note", {"type": "contains", "value": "demo"})), True),
        (field("data", field("note", {"type": "contains", "value": "price"})), False),
    ],
    "and": [
        ({"type": "and", "filters": [field("action", {"type": "equals", "value": "updated"}),
                                     field("user_id", {"type": "non_null"})]}, True),
        ({"type": "and", "filters": [field("action", {"type": "equals", "value": "updated"}),
                                     field("user_id", {"type": "is_null"})]}, False),
    ],
    "or": [
        ({"type": "or", "filters": [field("action", {"type": "equals", "value": "created"}),
                                    field("user_id", {"type": "non_null"})]}, True),
        ({"type": "or", "filters": [field("action", {"type": "equals", "value": "created"}),
                                    field("user_id", {"type": "is_null"})]}, False),
    ],
    "not": [
        ({"type": "not", "filter": field("action", {"type": "equals", "value": "created"})}, True),
        ({"type": "not", "filter": field("action", {"type": "equals", "value": "updated"})}, False),
    ],
    "field_accessor": [
        (field("data", field("direction", {"type": "equals", "value": "outbound"})), True),
        (field("data", field("direction", {"type": "equals", "value": "inbound"})), False),
        (field("action", field("nested", {"type": "non_null"})), False),
    ],
    "any_array_value": [
        (field("changed_fields", {"type": "any_array_value",
                                  "filter": {"type": "equals", "value": "duration"}}), True),
        (field("changed_fields", {"type": "any_array_value",
                                  "filter": {"type": "equals", "value": "status"}}), False),
        (field("action", {"type": "any_array_value", "filter": {"type": "non_null"}}), False),
    ],
}  # fmt: skip


def test_every_operator_has_cases() -> None:
    assert set(CASES) == set(OPERATORS)


@pytest.mark.parametrize(
    ("tree", "expected"),
    [case for cases in CASES.values() for case in cases],
    ids=[f"{name}-{n}" for name, cases in CASES.items() for n in range(len(cases))],
)
def test_operator(tree: dict[str, Any], expected: bool) -> None:
    assert filter_problem(tree) is None
    assert matches(tree, EVENT) is expected


@pytest.mark.parametrize(
    "tree",
    [
        "equals",
        {"type": "nearly"},
        {"type": {"not": "hashable"}},
        {"type": "equals"},
        {"type": "and", "filters": "x"},
        {"type": "and", "filters": [{"type": "bogus"}]},
        {"type": "not"},
        {"type": "field_accessor", "field": 3, "filter": {"type": "is_null"}},
        {"type": "any_array_value", "filter": {}},
    ],
)
def test_malformed_trees_are_named(tree: Any) -> None:
    assert filter_problem(tree)


def test_deep_trees_are_refused() -> None:
    tree: dict[str, Any] = {"type": "is_null"}
    for _ in range(40):
        tree = {"type": "not", "filter": tree}
    assert filter_problem(tree)
