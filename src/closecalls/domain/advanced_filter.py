"""`POST /data/search/` bodies (Close's Advanced Filtering) as search conditions.

The lead/contact by phone, email, name and id shapes are implemented; any other node,
field or condition is refused by its path in the body, never widened.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.lead_query import EMAIL, Sort
from closecalls.domain.phones import normalize_phone
from closecalls.domain.search import (
    AllOf,
    AnyOf,
    CustomValue,
    EmailIs,
    Everything,
    IdIs,
    Negated,
    Node,
    PhoneIs,
    TextMatch,
    ValueIn,
)

ObjectType = Literal["lead", "contact"]
DEFAULT_LIMIT = 100
MAX_LIMIT = 200
NOT_NULL_KEYS = ("_limit", "_fields", "sort")
BODY_KEYS = ("query", "_limit", "cursor", "_fields", "sort", "results_limit")
MODES = ("full_words", "phrase", "exact_value", "beginning_of_words")
RELATED = {
    "lead": ("contact", "contact_phone", "contact_email"),
    "contact": ("lead", "contact_phone", "contact_email"),
}
# object type -> field name -> how it is compared ("text", "id", "value").
FIELDS: Mapping[str, Mapping[str, str]] = {
    "lead": {"id": "id", "name": "text", "display_name": "text", "description": "text",
             "url": "text", "status_id": "value", "status_label": "value"},
    "contact": {"id": "id", "lead_id": "value", "name": "text", "display_name": "text",
                "title": "text"},
    "contact_phone": {"phone": "phone"},
    "contact_email": {"email": "email"},
}  # fmt: skip
SORT_FIELDS = {"date_created": "date_created", "date_updated": "date_updated",
               "display_name": "display_name", "name": "display_name"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Search:
    """A validated Advanced Filtering request."""

    object_type: ObjectType
    condition: Node
    sort: Sort
    limit: int
    skip: int
    results_limit: int | None
    fields: tuple[str, ...] | None


def refuse(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(field_errors={path: message})


def _unsupported(path: str, what: str) -> ValidationFailed:
    return refuse(path, f"{what} is not implemented by closecalls.")


def encode_cursor(skip: int) -> str:
    return base64.urlsafe_b64encode(f"skip:{skip}".encode()).decode()


def decode_cursor(raw: Any) -> int:
    if raw is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(raw).encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "skip" or not number.isdigit():
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise refuse("cursor", "Invalid cursor.") from None
    return int(number)


def _integer(body: Mapping[str, Any], key: str, default: int | None, maximum: int) -> int | None:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise refuse(key, "Value must be a non-negative integer.")
    if value > maximum:
        raise refuse(key, f"The value must not be larger than {maximum}.")
    return value


class _Reader:
    """Turns the JSON query tree into conditions, naming each refused node by its path."""

    def __init__(self, *, region: str, custom_field_ids: frozenset[str], result: str) -> None:
        self.region = region
        self.result = result
        self.custom_field_ids = custom_field_ids

    def node(self, raw: Any, path: str, context: str, result: str) -> Node:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise refuse(path, "A query node is an object with a type.")
        negate = raw.get("negate", False)
        if not isinstance(negate, bool):
            raise refuse(f"{path}.negate", "Value must be of bool type.")
        kind = raw["type"]
        if kind in ("and", "or"):
            parts = raw.get("queries")
            if not isinstance(parts, list):
                raise refuse(f"{path}.queries", "Value must be of list type.")
            read = tuple(self.node(part, f"{path}.queries.{index}", context, result)
                         for index, part in enumerate(parts))  # fmt: skip
            found: Node = AllOf(read) if kind == "and" else AnyOf(read)
            if not read:
                found = Everything() if kind == "and" else Negated(Everything())
        elif kind == "object_type":
            if raw.get("object_type") != result:
                raise refuse(path, "object_type must be stated once, at the top of the query.")
            found = Everything()
        elif kind == "match_all":
            found = Everything()
        elif kind == "has_related":
            found = self.related(raw, path, context, result)
        elif kind == "field_condition":
            found = self.condition(raw, path, context)
        else:
            raise _unsupported(f"{path}.type", f'The query type "{kind}"')
        return Negated(found) if negate else found

    def related(self, raw: Mapping[str, Any], path: str, context: str, result: str) -> Node:
        if raw.get("this_object_type") != context:
            raise refuse(f"{path}.this_object_type", f'Must be "{context}" here.')
        related = raw.get("related_object_type")
        if related not in RELATED.get(context, ()):
            raise _unsupported(f"{path}.related_object_type", f'has_related to "{related}"')
        inner = raw.get("related_query")
        # Several conditions on one related object would need all to hold on the same
        # contact or phone; each condition alone is exact, so only that shape is accepted.
        if not isinstance(inner, dict) or inner.get("type") != "field_condition":
            raise _unsupported(
                f"{path}.related_query", "A related_query other than one field_condition"
            )
        if inner.get("negate"):
            raise _unsupported(f"{path}.related_query.negate", "A negated related condition")
        return self.condition(inner, f"{path}.related_query", str(related))

    def condition(self, raw: Mapping[str, Any], path: str, context: str) -> Node:
        field, condition = raw.get("field"), raw.get("condition")
        if not isinstance(field, dict) or not isinstance(condition, dict):
            raise refuse(path, "A field_condition has a field and a condition.")
        if field.get("type") == "custom_field":
            return self.custom(field, condition, path, context)
        if field.get("type") != "regular_field":
            raise _unsupported(f"{path}.field.type", f'The field type "{field.get("type")}"')
        if field.get("object_type") != context:
            raise refuse(f"{path}.field.object_type", f'Must be "{context}" here; use has_related.')
        name = field.get("field_name")
        how = FIELDS.get(context, {}).get(str(name))
        if how is None:
            raise _unsupported(f"{path}.field.field_name", f"Filtering on {context}.{name}")
        return self.compare(how, context, str(name), condition, f"{path}.condition")

    def compare(
        self, how: str, context: str, name: str, condition: Mapping[str, Any], path: str
    ) -> Node:
        kind = condition.get("type")
        scope: Literal["lead", "contact"] = "lead" if context == "lead" else "contact"
        if kind == "text":
            mode, value = condition.get("mode", "full_words"), condition.get("value")
            if mode not in MODES:
                raise refuse(f"{path}.mode", "Not a valid choice.")
            if not isinstance(value, str):
                raise refuse(f"{path}.value", "Value must be of str type.")
            values: tuple[str, ...] = (value,)
        elif kind in ("term", "reference"):
            key = "values" if kind == "term" else "object_ids"
            raw_values = condition.get(key)
            if not isinstance(raw_values, list) or not all(isinstance(v, str) for v in raw_values):
                raise refuse(f"{path}.{key}", "Value must be a list of strings.")
            mode, values = "exact_value", tuple(raw_values)
        else:
            raise _unsupported(f"{path}.type", f'The condition type "{kind}"')
        if how == "text":
            if kind != "text":
                return ValueIn(name, values, scope)
            return TextMatch((name,), values[0], mode, scope)
        if how == "phone":
            return _any(tuple(PhoneIs(self.phone(value, path)) for value in values))
        if how == "email":
            if mode == "beginning_of_words":
                return EmailIs(values[0], prefix=True)
            for value in values:
                if not EMAIL.match(value):
                    raise refuse(path, f'"{value}" is not a whole email address.')
            return _any(tuple(EmailIs(value) for value in values))
        if mode not in ("exact_value", "phrase"):
            raise _unsupported(f"{path}.mode", f'Mode "{mode}" on {context}.{name}')
        if how == "id":
            return IdIs(values) if context == self.result else ValueIn("id", values, scope)
        return ValueIn(name, values, scope)

    def phone(self, value: str, path: str) -> str:
        try:
            return normalize_phone(value, default_region=self.region).e164
        except ValueError:
            raise refuse(f"{path}.value", f'"{value}" is not a phone number.') from None

    def custom(
        self, field: Mapping[str, Any], condition: Mapping[str, Any], path: str, context: str
    ) -> Node:
        field_id = str(field.get("custom_field_id", ""))
        if context not in ("lead", "contact") or field_id not in self.custom_field_ids:
            raise refuse(f"{path}.field.custom_field_id", "Unknown custom field.")
        scope: Literal["lead", "contact"] = "lead" if context == "lead" else "contact"
        kind = condition.get("type")
        if kind == "term" and isinstance(condition.get("values"), list):
            return CustomValue(field_id, tuple(str(v) for v in condition["values"]), scope)
        if kind == "text" and condition.get("mode") == "exact_value":
            return CustomValue(field_id, (str(condition.get("value")),), scope)
        raise _unsupported(f"{path}.condition", "This condition on a custom field")


def _any(parts: tuple[Node, ...]) -> Node:
    return parts[0] if len(parts) == 1 else AnyOf(parts)


def _result_type(query: Any) -> ObjectType:
    nodes = query.get("queries", []) if query.get("type") == "and" else [query]
    types = {
        node.get("object_type")
        for node in nodes
        if isinstance(node, dict) and node.get("type") == "object_type"
    }
    if len(types) != 1 or not types <= {"lead", "contact"}:
        raise refuse("query", 'Name one object_type, "lead" or "contact", at the top of the query.')
    return "lead" if types == {"lead"} else "contact"


def _sort(raw: Any, result: str) -> Sort:
    if raw is None or raw == []:
        return Sort()
    if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], dict):
        raise _unsupported("sort", "Sorting by other than one field")
    item = raw[0]
    field = item.get("field") or {}
    column = SORT_FIELDS.get(str(field.get("field_name")))
    if field.get("type") != "regular_field" or field.get("object_type") != result or column is None:
        raise _unsupported("sort.0.field", f"Sorting by {field.get('field_name')}")
    direction = item.get("direction", "asc")
    if direction not in ("asc", "desc"):
        raise refuse("sort.0.direction", "Not a valid choice.")
    return Sort(column, direction == "desc")


def _fields(raw: Any, result: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"lead", "contact"}:
        raise refuse("_fields", 'An object of field lists keyed by "lead" or "contact".')
    names = raw.get(result)
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise refuse(f"_fields.{result}", "Value must be a list of strings.")
    return tuple(names)


def parse_search(
    body: Mapping[str, Any], *, region: str, custom_field_ids: frozenset[str] = frozenset()
) -> Search:
    """Validate a search body; every part not implemented is refused by its path."""
    unknown = [key for key in body if key not in BODY_KEYS]
    if unknown:
        raise _unsupported(unknown[0], f'The "{unknown[0]}" parameter')
    # The document allows null only for `cursor` and `results_limit`; absent is the default.
    for key in NOT_NULL_KEYS:
        if key in body and body[key] is None:
            raise refuse(key, "This field may not be null.")
    query = body.get("query")
    if not isinstance(query, dict):
        raise refuse("query", "This field is required.")
    result = _result_type(query)
    reader = _Reader(region=region, custom_field_ids=custom_field_ids, result=result)
    return Search(
        object_type=result,
        condition=reader.node(query, "query", result, result),
        sort=_sort(body.get("sort"), result),
        limit=_integer(body, "_limit", DEFAULT_LIMIT, MAX_LIMIT) or 0,
        skip=decode_cursor(body.get("cursor")),
        results_limit=_integer(body, "results_limit", None, 1_000_000),
        fields=_fields(body.get("_fields"), result),
    )
