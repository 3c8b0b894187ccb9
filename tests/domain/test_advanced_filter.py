"""Advanced Filtering bodies: the implemented shapes, and a 400 path for everything else."""

from __future__ import annotations

from typing import Any

import pytest

from closecalls.domain.advanced_filter import decode_cursor, encode_cursor, parse_search
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.search import Record, matches

LEAD = {
    "id": "lead_a",
    "name": "Acme",
    "display_name": "Acme",
    "status_id": "stat_p",
    "status_label": "Potential",
    "custom.cf_x": ["A", "B"],
}
ANN = {
    "id": "cont_a",
    "lead_id": "lead_a",
    "name": "Ann Lee",
    "title": "Chief Executive",
    "phones": [{"phone": "+16505551234"}],
    "emails": [{"email": "ann@acme.example"}],
}


def node(field: dict[str, Any], condition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "field_condition", "field": field, "condition": condition, **extra}


def regular(object_type: str, name: str) -> dict[str, Any]:
    return {"type": "regular_field", "object_type": object_type, "field_name": name}


def text(value: str, mode: str = "phrase") -> dict[str, Any]:
    return {"type": "text", "mode": mode, "value": value}


CUSTOM = {"type": "custom_field", "custom_field_id": "cf_x"}
NUMBERS = {"type": "number_range", "gte": 1}


def body(top: str, *parts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"query": {"type": "and", "queries": [{"type": "object_type", "object_type": top},
                                                 *parts]}, **extra}  # fmt: skip


def related(this: str, other: str, name: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"type": "has_related", "this_object_type": this, "related_object_type": other,
            "related_query": node({"type": "regular_field", "object_type": other,
                                   "field_name": name}, condition)}  # fmt: skip


def lead_matches(search: dict[str, Any]) -> bool:
    parsed = parse_search(search, region="US", custom_field_ids=frozenset({"cf_x"}))
    record = Record(LEAD, [ANN]) if parsed.object_type == "lead" else Record(LEAD, [ANN], "contact")
    return matches(parsed.condition, record)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (body("lead", related("lead", "contact_phone", "phone",
                              text("(650) 555-1234", "phrase"))), True),
        (body("lead", related("lead", "contact_phone", "phone",
                              {"type": "term", "values": ["+16505550000"]})), False),
        (body("lead", related("lead", "contact_email", "email",
                              text("ANN@acme.example", "exact_value"))), True),
        (body("contact", node(regular("contact", "title"),
                              text("executive", "full_words"))), True),
        (body("contact", node(regular("contact", "title"),
                              text("CEO", "full_words"))), False),
        (body("lead", related("lead", "contact", "name",
                              text("le", "beginning_of_words"))), True),
        (body("lead", node(regular("lead", "name"),
                           text("acme", "phrase"), negate=True)), False),
        (body("lead", node(CUSTOM,
                           {"type": "term", "values": ["b"]})), True),
        (body("lead", {"type": "or", "queries": []}), False),
    ],
)  # fmt: skip
def test_implemented_shapes(search: dict[str, Any], expected: bool) -> None:
    assert lead_matches(search) is expected


@pytest.mark.parametrize(
    ("search", "path"),
    [
        ({"query": {"type": "object_type", "object_type": "opportunity"}}, "query"),
        (body("lead", {"type": "saved_search", "saved_search_id": "save_1"}),
         "query.queries.1.type"),
        (body("lead", related("lead", "opportunity", "value", {"type": "text", "value": "1"})),
         "query.queries.1.related_object_type"),
        (body("lead", node(regular("lead", "num_calls"),
                           NUMBERS)), "query.queries.1.field.field_name"),
        (body("lead", node(regular("lead", "name"),
                           NUMBERS)), "query.queries.1.condition.type"),
        (body("lead", node(regular("contact", "name"),
                           {"type": "text", "value": "x"})), "query.queries.1.field.object_type"),
        (body("lead", {"type": "has_related", "this_object_type": "lead",
                       "related_object_type": "contact",
                       "related_query": {"type": "and", "queries": []}}),
         "query.queries.1.related_query"),
        (body("lead", node({"type": "custom_field", "custom_field_id": "cf_nope"},
                           {"type": "term", "values": ["b"]})),
         "query.queries.1.field.custom_field_id"),
        (body("lead", include_counts=True), "include_counts"),
        (body("lead", _limit=201), "_limit"),
        (body("lead", cursor="nonsense"), "cursor"),
        (body("lead", sort=[{"direction": "asc", "field": {"type": "regular_field",
                                                            "object_type": "lead",
                                                            "field_name": "num_calls"}}]),
         "sort.0.field"),
        (body("lead", _fields=["id"]), "_fields"),
    ],
)  # fmt: skip
def test_everything_else_is_refused_by_path(search: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_search(search, region="US", custom_field_ids=frozenset({"cf_x"}))
    assert path in refused.value.field_errors, refused.value.field_errors


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(300)) == 300
    assert decode_cursor(None) == 0


@pytest.mark.parametrize("key", ["_limit", "_fields", "sort"])
def test_a_null_where_the_document_allows_none_is_refused_by_name(key: str) -> None:
    body = {"query": {"type": "object_type", "object_type": "lead"}, key: None}
    with pytest.raises(ValidationFailed) as refused:
        parse_search(body, region="US")
    assert refused.value.field_errors == {key: "This field may not be null."}


@pytest.mark.parametrize("key", ["cursor", "results_limit"])
def test_a_null_cursor_or_results_limit_is_the_default(key: str) -> None:
    body = {"query": {"type": "object_type", "object_type": "lead"}, key: None}
    assert parse_search(body, region="US").object_type == "lead"
