"""Close's search language (`GET /lead/?query=`), for the clauses integrations send.

Every clause this does not implement is refused by name: a broader answer would let a
script change the wrong lead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.phones import normalize_phone
from closecalls.domain.search import (
    AllOf,
    AnyOf,
    CustomValue,
    EmailIs,
    Everything,
    IdIs,
    Mode,
    Negated,
    Node,
    PhoneIs,
    TextMatch,
    ValueIn,
)

# Free text reads these keys of the lead and of its contacts.
FREE_TEXT_FIELDS = ("name", "description", "url", "title", "emails")
SORTS = {
    "created": "date_created", "date_created": "date_created",
    "updated": "date_updated", "date_updated": "date_updated",
    "name": "display_name", "display_name": "display_name",
}  # fmt: skip
KEYWORDS = (
    "phone", "phone_number", "email", "email_address", "name", "lead_name", "company",
    "contact_name", "status", "lead_status", "status_id", "id", "lead_id", "contact_id",
    "custom.<field>", "sort",
)  # fmt: skip
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^(lead|cont)_[A-Za-z0-9]+$")
# A phone number written with spaces, dashes, dots or brackets, read before words split it.
_PHONE_RUN = re.compile(r"\+?\(?\+?\d[\d\s().\-]*\d\)?")
_OPERATORS = {"or": "or", "and": "and", "not": "not"}
_COMPARISONS = {">", "<", ">=", "<=", "=", "!="}


@dataclass(frozen=True, slots=True)
class Sort:
    field: str = "date_created"
    descending: bool = True


@dataclass(frozen=True, slots=True)
class LeadQuery:
    condition: Node
    sort: Sort


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(" ")" "or" "and" "not" "term" "phone"
    key: str | None = None
    value: str = ""
    quoted: bool = False
    text: str = ""


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(field_errors={"query": message})


def unsupported(clause: str) -> ValidationFailed:
    return refuse(
        f'Unsupported search clause "{clause}": closecalls implements '
        f"{', '.join(KEYWORDS)}, free text, quoted phrases, *, OR, AND, NOT and parentheses."
    )


def _phone_run(text: str, start: int, region: str) -> str | None:
    found = _PHONE_RUN.match(text, start)
    if found is None:
        return None
    run = found.group().rstrip()
    while run.count(")") > run.count("(") and run.endswith(")"):
        run = run[:-1]
    end = start + len(run)
    if run.count("(") != run.count(")") or sum(ch.isdigit() for ch in run) < 7:
        return None
    if end < len(text) and not (text[end].isspace() or text[end] == ")"):
        return None
    try:
        normalize_phone(run, default_region=region)
    except ValueError:
        return None
    return run


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    end = text.find('"', start + 1)
    if end < 0:
        raise refuse("Unbalanced quotes in query.")
    return text[start + 1 : end], end + 1


def _read_bare(text: str, start: int) -> tuple[str, int]:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in '()"':
        end += 1
    return text[start:end], end


def tokenize(text: str, *, region: str) -> list[_Token]:
    """Split a query into parentheses, operators and terms (`key:value` or free text)."""
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
            continue
        run = _phone_run(text, position, region)
        if run is not None:
            tokens.append(_Token("phone", value=run, text=run))
            position += len(run)
            continue
        if char in "()":
            tokens.append(_Token(char))
            position += 1
            continue
        if char == '"':
            value, position = _read_quoted(text, position)
            tokens.append(_Token("term", value=value, quoted=True, text=f'"{value}"'))
            continue
        negated = char == "-" and position + 1 < len(text) and not text[position + 1].isspace()
        if negated:
            tokens.append(_Token("not"))
            position += 1
            continue
        start = position
        word, position = _read_bare(text, position)
        if word.casefold() in ("phone:", "phone_number:"):
            rest = _phone_run(text, position + (text[position : position + 1] == " "), region)
            if rest is not None:
                position = text.index(rest, position) + len(rest)
                tokens.append(_Token("term", key=word[:-1], value=rest, text=text[start:position]))
                continue
        if position < len(text) and text[position] == "(":
            raise unsupported(word + "(…)")
        if word.casefold() in _OPERATORS and word in (word.lower(), word.upper()):
            tokens.append(_Token(_OPERATORS[word.casefold()]))
            continue
        if word in _COMPARISONS:
            raise unsupported(f"{tokens[-1].text if tokens else ''} {word}".strip() + " …")
        key, colon, value = word.partition(":")
        if not colon:
            tokens.append(_Token("term", value=word, text=word))
            continue
        if value == "" and position < len(text) and text[position] == '"':
            value, position = _read_quoted(text, position)
            tokens.append(_Token("term", key=key, value=value, quoted=True,
                                 text=f'{key}:"{value}"'))  # fmt: skip
            continue
        tokens.append(_Token("term", key=key, value=value, text=text[start:position]))
    return tokens


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then AND (or nothing), then NOT."""

    def __init__(
        self, tokens: list[_Token], *, region: str, custom_fields: Mapping[str, str]
    ) -> None:
        self.tokens = tokens
        self.at = 0
        self.region = region
        self.custom_fields = custom_fields
        self.sorts: list[Sort] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse_or(self) -> Node | None:
        parts = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            parts.append(self.parse_and())
        present = [part for part in parts if part is not None]
        if len(parts) > 1 and len(present) != len(parts):
            raise refuse("OR needs a clause on each side.")
        return present[0] if len(present) == 1 else AnyOf(tuple(present)) if present else None

    def parse_and(self) -> Node | None:
        parts: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind == "and":
                self.take()
                continue
            part = self.parse_unary()
            if part is not None:
                parts.append(part)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def parse_unary(self) -> Node | None:
        token = self.take()
        if token.kind == "not":
            if self.peek() is None:
                raise refuse("NOT needs a clause after it.")
            inner = self.parse_unary()
            if inner is None:
                raise refuse("NOT cannot apply to sort:.")
            return Negated(inner)
        if token.kind == "(":
            inner = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise refuse("Unbalanced parentheses in query.")
            self.take()
            if inner is None:
                raise refuse("Empty parentheses in query.")
            return inner
        if token.kind == ")":
            raise refuse("Unbalanced parentheses in query.")
        if token.kind == "phone":
            return PhoneIs(normalize_phone(token.value, default_region=self.region).e164)
        return self.term(token)

    def term(self, token: _Token) -> Node | None:
        if token.key is None:
            return self.free_text(token)
        key = token.key.casefold()
        value = token.value
        if key == "sort":
            self.sorts.append(self.sort(token))
            return None
        if value == "":
            raise refuse(f'Search clause "{token.text}" has no value.')
        if key.startswith("custom."):
            return self.custom(token, token.key[len("custom.") :])
        if key in ("phone", "phone_number"):
            try:
                return PhoneIs(normalize_phone(value, default_region=self.region).e164)
            except ValueError:
                raise refuse(f'"{token.text}" does not hold a phone number.') from None
        if key in ("email", "email_address"):
            if not EMAIL.match(value):
                raise refuse(f'"{token.text}" does not hold a whole email address.')
            return EmailIs(value)
        mode: Mode = "phrase" if token.quoted else "full_words"
        if key == "name":
            return TextMatch(("name",), value, mode, "any")
        if key in ("lead_name", "company"):
            return TextMatch(("name",), value, mode, "lead")
        if key == "contact_name":
            return TextMatch(("name",), value, mode, "contact")
        if key in ("status", "lead_status"):
            return ValueIn("status_label", (value,))
        if key == "status_id":
            return ValueIn("status_id", (value,))
        if key in ("id", "lead_id"):
            return IdIs((value,))
        if key == "contact_id":
            return ValueIn("id", (value,), "contact")
        raise unsupported(token.text)

    def free_text(self, token: _Token) -> Node:
        value = token.value
        if value == "*" and not token.quoted:
            return Everything()
        if not token.quoted and EMAIL.match(value):
            return EmailIs(value)
        if not token.quoted and (found := _ID.match(value)):
            return IdIs((value,)) if found[1] == "lead" else ValueIn("id", (value,), "contact")
        if "*" in value or "?" in value:
            raise unsupported(token.text)
        return TextMatch(FREE_TEXT_FIELDS, value, "phrase" if token.quoted else "full_words",
                         "any")  # fmt: skip

    def sort(self, token: _Token) -> Sort:
        name = token.value.strip()
        descending = name.startswith("-")
        column = SORTS.get(name.removeprefix("-").casefold())
        if column is None:
            raise refuse(
                f'Unsupported sort "{token.text}": closecalls sorts by '
                f"{', '.join(sorted(set(SORTS)))}, each optionally with a leading -."
            )
        return Sort(column, descending)

    def custom(self, token: _Token, name: str) -> Node:
        field_id = (
            name if name in self.custom_fields.values() else self.custom_fields.get(name.casefold())
        )
        if field_id is None:
            raise refuse(f'Unknown custom field in "{token.text}".')
        if token.value == "*" and not token.quoted:
            return CustomValue(field_id)
        return CustomValue(field_id, (token.value,))


def parse_query(
    text: str, *, region: str, custom_fields: Mapping[str, str] | None = None
) -> LeadQuery:
    """Parse a query; `custom_fields` maps lower-cased custom field names to their ids."""
    parser = _Parser(tokenize(text, region=region), region=region,
                     custom_fields=custom_fields or {})  # fmt: skip
    condition = parser.parse_or()
    if parser.peek() is not None:
        raise refuse("Unbalanced parentheses in query.")
    if len(parser.sorts) > 1:
        raise refuse("Only one sort: clause is supported.")
    return LeadQuery(condition or Everything(), parser.sorts[0] if parser.sorts else Sort())
