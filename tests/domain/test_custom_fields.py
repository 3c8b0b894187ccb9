"""Custom field definitions and values, as pure rules."""

from __future__ import annotations

import pytest

from closecalls.domain.custom_fields import (
    Definition,
    References,
    apply_values,
    clean_values,
    validate_definition,
)
from closecalls.domain.errors import ValidationFailed

FIELDS = [
    Definition("cf_t", "Note", "text", False, ()),
    Definition("cf_n", "Count", "number", False, ()),
    Definition("cf_d", "Day", "date", False, ()),
    Definition("cf_dt", "When", "datetime", False, ()),
    Definition("cf_c", "Pick", "choices", True, ("A", "B")),
    Definition("cf_u", "Owner", "user", False, ()),
]
REFS = References(users=frozenset({"user_1"}))


def test_values_are_cleaned_per_type() -> None:
    body = {"custom.cf_t": "hi", "custom.cf_n": "2.5", "custom.cf_d": "2026-01-09",
            "custom.cf_dt": "2026-01-09T10:00:00Z", "custom.Pick": ["A"], "custom.cf_u": "user_1",
            "name": "ignored"}  # fmt: skip
    assert clean_values(body, FIELDS, REFS) == {
        "cf_t": ("set", "hi"), "cf_n": ("set", 2.5), "cf_d": ("set", "2026-01-09"),
        "cf_dt": ("set", "2026-01-09T10:00:00.000000+00:00"), "cf_c": ("set", ["A"]),
        "cf_u": ("set", "user_1"),
    }  # fmt: skip


def test_every_bad_value_is_named() -> None:
    body = {"custom.cf_t": 1, "custom.cf_n": True, "custom.cf_d": "2026-02-30",
            "custom.cf_dt": "soon", "custom.cf_c": ["C"], "custom.cf_u": "user_2",
            "custom.cf_t.add": "x", "custom.cf_zz": 1}  # fmt: skip
    with pytest.raises(ValidationFailed) as failed:
        clean_values(body, FIELDS, REFS)
    assert failed.value.field_errors == {
        "custom.cf_t": "Value must be of str type.", "custom.cf_n": "Invalid number.",
        "custom.cf_d": "Invalid date.", "custom.cf_dt": "Invalid ISO 8601 datetime.",
        "custom.cf_c": "Not a valid choice.", "custom.cf_u": "Object does not exist.",
        "custom.cf_t.add": ".add needs a field that accepts multiple values.",
        "custom.cf_zz": "Unknown custom field.",
    }  # fmt: skip


def test_add_remove_and_unset() -> None:
    document = {"id": "lead_a", "custom.cf_c": ["A"], "custom.cf_t": "x"}
    values = clean_values({"custom.cf_c.add": "B", "custom.cf_t": None}, FIELDS, REFS)
    assert apply_values(document, values) == {"id": "lead_a", "custom.cf_c": ["A", "B"]}
    gone = apply_values(document, clean_values({"custom.cf_c.remove": "A"}, FIELDS, REFS))
    assert "custom.cf_c" not in gone


def test_definitions() -> None:
    assert validate_definition({"name": " Source ", "type": "text"}, creating=True) == {
        "name": "Source",
        "type": "text",
    }
    with pytest.raises(ValidationFailed) as failed:
        validate_definition({"name": "Pick", "type": "choices"}, creating=True)
    assert "choices" in failed.value.field_errors
    with pytest.raises(ValidationFailed):
        validate_definition({"type": "number"}, creating=False, current={"type": "text"})
