"""What a lead or contact search asks for, as a tree of conditions, and whether a record matches."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["full_words", "phrase", "exact_value", "beginning_of_words"]
# Which texts a condition reads: the lead's, its contacts', or both (free text).
Scope = Literal["lead", "contact", "any"]
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Everything:
    """`*`: every record."""


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Negated:
    part: Node


@dataclass(frozen=True, slots=True)
class PhoneIs:
    """A contact phone equal to this E.164 number."""

    e164: str


@dataclass(frozen=True, slots=True)
class EmailIs:
    """A contact email equal to (or, with `prefix`, beginning with) this address."""

    address: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class IdIs:
    """The lead's or contact's id is one of these."""

    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Words in named text fields: the lead's name, contacts' names and titles, and so on."""

    fields: tuple[str, ...]
    value: str
    mode: Mode = "full_words"
    scope: Scope = "lead"


@dataclass(frozen=True, slots=True)
class ValueIn:
    """A plain field (status id, label, lead id) equal to one of these, case-insensitively."""

    field: str
    values: tuple[str, ...]
    scope: Scope = "lead"


@dataclass(frozen=True, slots=True)
class CustomValue:
    """A custom field's value equal to one of these; `values` empty means it has any value."""

    field_id: str
    values: tuple[str, ...] = ()
    scope: Scope = "lead"


Node = (
    Everything | AllOf | AnyOf | Negated | PhoneIs | EmailIs | IdIs | TextMatch | ValueIn
    | CustomValue
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Record:
    """A lead with its contacts, or a contact with its lead (then `contacts` is just it)."""

    lead: Mapping[str, Any]
    contacts: Sequence[Mapping[str, Any]]
    object_type: Literal["lead", "contact"] = "lead"

    @property
    def document(self) -> Mapping[str, Any]:
        return self.lead if self.object_type == "lead" else self.contacts[0]


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the store can find by index: contacts by phone or email, objects by id."""

    phones: frozenset[str] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)
    ids: frozenset[str] = field(default_factory=frozenset)


def words(text: str) -> list[str]:
    """Lower-cased words, as a search index would split them."""
    return _WORD.findall(text.casefold())


def _text_matches(text: str, value: str, mode: Mode) -> bool:
    wanted, have = words(value), words(text)
    if mode == "exact_value":
        return text.casefold().strip() == value.casefold().strip()
    if not wanted:
        return False
    if mode == "full_words":
        return set(wanted) <= set(have)
    if mode == "beginning_of_words":
        return all(any(word.startswith(part) for word in have) for part in wanted)
    size = len(wanted)
    return any(have[start : start + size] == wanted for start in range(len(have) - size + 1))


def _field_text(source: Mapping[str, Any], name: str) -> str:
    if name == "emails":
        return " ".join(str(email.get("email", "")) for email in source.get("emails", ()))
    return str(source.get(name) or "")


def _sources(record: Record, scope: Scope) -> list[Mapping[str, Any]]:
    if scope == "lead":
        return [record.lead]
    if scope == "contact":
        return list(record.contacts)
    return [record.lead, *record.contacts]


def _custom_values(document: Mapping[str, Any], field_id: str) -> list[str]:
    value = document.get(f"custom.{field_id}")
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def matches(node: Node, record: Record) -> bool:
    """Whether the record satisfies the condition tree."""
    if isinstance(node, Everything):
        return True
    if isinstance(node, AllOf):
        return all(matches(part, record) for part in node.parts)
    if isinstance(node, AnyOf):
        return any(matches(part, record) for part in node.parts)
    if isinstance(node, Negated):
        return not matches(node.part, record)
    if isinstance(node, PhoneIs):
        return any(
            phone.get("phone") == node.e164
            for contact in record.contacts
            for phone in contact.get("phones", ())
        )
    if isinstance(node, EmailIs):
        wanted = node.address.casefold()
        found = [
            str(email.get("email", "")).casefold()
            for contact in record.contacts
            for email in contact.get("emails", ())
        ]
        return any(address.startswith(wanted) if node.prefix else address == wanted
                   for address in found)  # fmt: skip
    if isinstance(node, IdIs):
        return record.document["id"] in node.ids
    if isinstance(node, TextMatch):
        return any(
            _text_matches(_field_text(source, name), node.value, node.mode)
            for source in _sources(record, node.scope)
            for name in node.fields
        )
    if isinstance(node, ValueIn):
        allowed = {value.casefold() for value in node.values}
        return any(
            str(source.get(node.field) or "").casefold() in allowed
            for source in _sources(record, node.scope)
        )
    values = [
        value
        for source in _sources(record, node.scope)
        for value in _custom_values(source, node.field_id)
    ]
    if not node.values:
        return bool(values)
    chosen = {value.casefold() for value in node.values}
    return any(value.casefold() in chosen for value in values)


def lookup(node: Node) -> Lookup | None:
    """Index lookups whose results hold every match, or None when only a scan will do."""
    if isinstance(node, PhoneIs):
        return Lookup(phones=frozenset([node.e164]))
    if isinstance(node, EmailIs) and not node.prefix:
        return Lookup(emails=frozenset([node.address.casefold()]))
    if isinstance(node, IdIs):
        return Lookup(ids=frozenset(node.ids))
    if isinstance(node, AllOf):
        return next((found for part in node.parts if (found := lookup(part)) is not None), None)
    if isinstance(node, AnyOf):
        found_parts = [lookup(part) for part in node.parts]
        if not found_parts or any(found is None for found in found_parts):
            return None
        return Lookup(
            phones=frozenset().union(*(found.phones for found in found_parts if found)),
            emails=frozenset().union(*(found.emails for found in found_parts if found)),
            ids=frozenset().union(*(found.ids for found in found_parts if found)),
        )
    return None
