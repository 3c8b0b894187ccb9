"""The search language: what each clause means, and that every other clause is refused."""

from __future__ import annotations

import pytest

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.lead_query import Sort, parse_query
from closecalls.domain.search import (
    AllOf,
    AnyOf,
    EmailIs,
    Everything,
    IdIs,
    Negated,
    PhoneIs,
    Record,
    TextMatch,
    ValueIn,
    matches,
)

LEAD = {
    "id": "lead_a",
    "name": "Wayne Enterprises",
    "display_name": "Wayne Enterprises",
    "status_label": "Potential",
    "status_id": "stat_p",
    "description": "",
    "url": None,
}
BRUCE = {
    "id": "cont_b",
    "lead_id": "lead_a",
    "name": "Bruce Wayne",
    "title": "CEO",
    "phones": [{"phone": "+16505551234"}],
    "emails": [{"email": "Bruce@Wayne.example"}],
}
RECORD = Record(LEAD, [BRUCE])


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_query(text, region="US").condition


@pytest.mark.parametrize(
    "text",
    [
        "+16505551234",
        "(650) 555-1234",
        "650-555-1234",
        "650.555.1234",
        "+1 650 555 1234",
        "phone:6505551234",
        "phone_number:111-222-3344 OR phone:(650) 555-1234",
        "6505551234",
    ],
)
def test_phone_numbers_in_any_format(text: str) -> None:
    node = parse(text)
    assert matches(node, RECORD)
    assert isinstance(node, PhoneIs | AnyOf)


def test_clauses_parse_to_conditions() -> None:
    assert parse("email_address:bruce@wayne.example") == EmailIs("bruce@wayne.example")
    assert parse("bruce@wayne.example") == EmailIs("bruce@wayne.example")
    assert parse('name:"Bruce Wayne"') == TextMatch(("name",), "Bruce Wayne", "phrase", "any")
    assert parse("lead_a") == IdIs(("lead_a",))
    assert parse("*") == Everything()
    assert parse('status:"Potential" company:Acme') == AllOf(
        (
            ValueIn("status_label", ("Potential",)),
            TextMatch(("name",), "Acme", "full_words", "lead"),
        )
    )
    assert parse("not bruce") == Negated(
        TextMatch(("name", "description", "url", "title", "emails"), "bruce", "full_words", "any")
    )
    assert parse_query("wayne sort:-updated", region="US").sort == Sort("date_updated", True)
    assert parse_query("sort:name", region="US").sort == Sort("display_name", False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wayne", True),
        ("bruce wayne", True),
        ('"wayne bruce"', False),
        ("wayne OR nobody", True),
        ("wayne nobody", False),
        ("-wayne", False),
        ("(nobody OR ceo) wayne", True),
        ('name:"Bruce Wayne"', True),
        ("company:Bruce", False),
        ("contact_name:bruce", True),
        ("status:potential", True),
        ("status:Customer", False),
        ("bruce@wayne.example", True),
        ("email:BRUCE@wayne.example", True),
        ("email:b@wayne.example", False),
        ("cont_b", True),
        ("id:lead_a", True),
        ("id:lead_z", False),
        ("+16505550000", False),
        ("wayne.example", True),
    ],
)
def test_matching(text: str, expected: bool) -> None:
    assert matches(parse(text), RECORD) is expected


# Every form seen in real use that closecalls does not implement: each must be a 400.
UNSUPPORTED = [
    "has:calls",
    "call(direction:inbound)",
    "contacts > 1",
    "addresses > 1 sort:activities",
    "sms_messages > 0",
    "contact(sequence_subscription(sequence:*))",
    "sort:created slice:3/10",
    "last_emailed:today",
    "custom.Unknown:x",
    '"custom.Source CRM":*',
    "sort:activities",
    "created > 2020-01-01",
    "opportunity_status:won",
    "email:acme.com",
    "phone:abc",
    "tag:hot",
    "wayne*",
    "(wayne",
    "wayne)",
    "wayne OR",
    '"unbalanced',
    "name:",
    "sort:created sort:updated",
    "user:me",
    "not",
]


@pytest.mark.parametrize("text", UNSUPPORTED)
def test_every_unimplemented_clause_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_query(text, region="US")
    assert "query" in refused.value.field_errors


def test_custom_fields_by_name_or_id() -> None:
    fields = {"source": "cf_1"}
    lead = {**LEAD, "custom.cf_1": "Google"}
    for text in ("custom.Source:Google", "custom.cf_1:google", "custom.source:*"):
        node = parse_query(text, region="US", custom_fields=fields).condition
        assert matches(node, Record(lead, [])), text
    node = parse_query("custom.cf_1:*", region="US", custom_fields=fields).condition
    assert not matches(node, RECORD)
