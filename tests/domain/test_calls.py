from datetime import UTC, datetime
from typing import Any

import pytest

from closecalls.domain import calls
from closecalls.domain.activity import WRONG_LEAD
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.principal import Principal
from tests.conftest import START

CALLER = Principal("orga_1", "user_me", "Me Myself", "api_1")
NAMES = {"user_me": "Me Myself", "user_rep": "Rep One"}


REFS = calls.References(
    users=NAMES,
    leads=frozenset({"lead_a", "lead_b"}),
    contact_leads={"cont_a": "lead_a", "cont_b": "lead_b"},
    outcomes=frozenset({"outcome_1"}),
)


def build(body: dict[str, Any]) -> dict[str, Any]:
    cleaned = calls.validate_create(body, phone_region="US", refs=REFS)
    return calls.new_call(cleaned, call_id="acti_x", now=START, principal=CALLER, user_names=NAMES)


def test_defaults_of_a_logged_call() -> None:
    call = build({})
    assert call["_type"] == "Call"
    assert call["status"] == "completed"
    assert call["source"] == "External"
    assert call["call_method"] == "external"
    assert call["organization_id"] == "orga_1"
    assert call["user_id"] == call["created_by"] == call["updated_by"] == "user_me"
    assert call["user_name"] == call["created_by_name"] == call["updated_by_name"] == "Me Myself"
    assert call["date_created"] == call["date_updated"] == call["activity_at"]
    assert call["date_created"] == "2026-01-09T14:35:08.272000+00:00"
    assert call["voicemail_duration"] == 0
    assert call["duration"] == 0
    assert call["users"] == []
    assert call["has_recording"] is False


def test_every_documented_response_key_is_present() -> None:
    required = {
        "_type", "activity_at", "contact_id", "created_by", "date_created", "date_updated", "id",
        "lead_id", "organization_id", "outcome_id", "source", "status", "updated_by", "user_id",
        "users", "created_by_name", "updated_by_name", "user_name", "sequence_id",
        "sequence_name", "sequence_subscription_id", "direction", "duration", "phone",
        "remote_phone", "remote_phone_formatted", "local_phone", "local_phone_formatted",
        "remote_country_iso", "note", "note_html", "recording_url", "has_recording",
        "voicemail_url", "voicemail_duration", "disposition", "call_method", "cost",
        "quality_info", "transferred_from", "transferred_to", "dialer_id",
        "dialer_saved_search_id",
    }  # fmt: skip
    assert required <= build({}).keys()
    assert set(calls.CREATE_SCHEMA) - {"created_by_id"} <= build({}).keys()


def test_back_dated_call_keeps_activity_at_with_date_created() -> None:
    call = build({"date_created": "2020-05-01T10:00:00"})
    assert call["date_created"] == call["activity_at"] == "2020-05-01T10:00:00.000000+00:00"
    assert call["date_updated"] == "2026-01-09T14:35:08.272000+00:00"


def test_activity_at_is_independent_when_given() -> None:
    call = build({"activity_at": "2025-12-31T23:00:00-02:00"})
    assert call["activity_at"] == "2026-01-01T01:00:00.000000+00:00"
    assert call["date_created"] == "2026-01-09T14:35:08.272000+00:00"


def test_user_and_creator_may_be_other_users_of_the_organization() -> None:
    call = build({"user_id": "user_rep", "created_by_id": "user_rep"})
    assert (call["user_id"], call["user_name"]) == ("user_rep", "Rep One")
    assert (call["created_by"], call["created_by_name"]) == ("user_rep", "Rep One")
    assert call["updated_by"] == "user_me"


def test_unknown_users_are_refused() -> None:
    with pytest.raises(ValidationFailed) as failure:
        build({"user_id": "user_ghost", "created_by_id": "user_ghost2"})
    assert failure.value.field_errors == {
        "user_id": "Object does not exist.",
        "created_by_id": "Object does not exist.",
    }


def test_phone_fills_remote_fields() -> None:
    call = build({"phone": "+44 7496 394234"})
    assert call["phone"] == call["remote_phone"] == "+447496394234"
    assert call["remote_phone_formatted"] == "+44 7496 394234"
    assert call["remote_country_iso"] == "GB"
    assert call["local_phone"] is None


@pytest.mark.parametrize(
    ("body", "note", "note_html"),
    [
        ({"note": "a\nb"}, "a\nb", "<body>a<br />b</body>"),
        ({"note_html": "<body><p>x</p></body>"}, "x", "<body><p>x</p></body>"),
        ({"note": "ignored", "note_html": "<body>wins</body>"}, "wins", "<body>wins</body>"),
        ({"note": "text", "note_html": None}, None, None),
        ({"note": ""}, "", ""),
        ({}, None, None),
    ],
)
def test_note_and_note_html(body: dict[str, Any], note: Any, note_html: Any) -> None:
    call = build(body)
    assert (call["note"], call["note_html"]) == (note, note_html)


def test_recording_url_sets_has_recording() -> None:
    call = build({"recording_url": "https://example.com/a.mp3"})
    assert call["has_recording"] is True


def test_organization_id_in_the_body_never_moves_a_call() -> None:
    assert build({"organization_id": "orga_other"})["organization_id"] == "orga_1"


def test_every_bad_field_is_named_at_once() -> None:
    body = {
        "direction": "sideways", "status": "done", "source": "Phone", "disposition": "maybe",
        "duration": 604801, "activity_at": "noon", "date_created": 5,
        "recording_url": "http://x.com/a.mp3", "voicemail_url": "nope", "phone": "anonymous",
        "custom_fields": "x", "note": 1, "lead_id": 2,
    }  # fmt: skip
    with pytest.raises(ValidationFailed) as failure:
        build(body)
    assert set(failure.value.field_errors) == set(body)
    assert failure.value.field_errors["duration"] == "The value must not be larger than 604800."


def test_the_limits_of_duration_are_accepted() -> None:
    assert build({"duration": 0})["duration"] == 0
    assert build({"duration": 604800})["duration"] == 604800


def test_date_created_may_be_far_back() -> None:
    assert build({"date_created": "1999-12-31T23:59:59.999999Z"})["date_created"] == (
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC).isoformat()
    )


def test_references_must_exist_in_the_organization() -> None:
    with pytest.raises(ValidationFailed) as failure:
        build({"lead_id": "lead_x", "contact_id": "cont_x", "outcome_id": "outcome_x"})
    assert failure.value.field_errors == {
        "lead_id": "Object does not exist.",
        "contact_id": "Object does not exist.",
        "outcome_id": "Object does not exist.",
    }


def test_a_contact_alone_brings_its_lead() -> None:
    call = build({"contact_id": "cont_b"})
    assert (call["lead_id"], call["contact_id"]) == ("lead_b", "cont_b")


def test_a_contact_of_another_lead_is_refused() -> None:
    with pytest.raises(ValidationFailed) as failure:
        build({"lead_id": "lead_a", "contact_id": "cont_b"})
    assert failure.value.field_errors == {"contact_id": WRONG_LEAD}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"contact_id": "cont_b"}, ("lead_b", "cont_b")),
        ({"lead_id": "lead_b", "contact_id": "cont_b"}, ("lead_b", "cont_b")),
        ({"lead_id": "lead_b", "contact_id": None}, ("lead_b", None)),
        ({"lead_id": None, "contact_id": None}, (None, None)),
    ],
)
def test_update_moves_lead_and_contact_together(
    change: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    current = {"lead_id": "lead_a", "contact_id": "cont_a"}
    attached = calls.attach(change, current, REFS)
    assert (attached["lead_id"], attached["contact_id"]) == expected


def test_moving_the_lead_away_from_the_calls_contact_is_refused() -> None:
    with pytest.raises(ValidationFailed) as failure:
        calls.attach({"lead_id": "lead_b"}, {"lead_id": "lead_a", "contact_id": "cont_a"}, REFS)
    assert failure.value.field_errors == {"lead_id": WRONG_LEAD}


def test_match_by_phone_only_for_unattached_calls() -> None:
    matches = [("cont_b", "lead_b"), ("cont_a", "lead_a")]
    assert calls.attach_by_phone({"phone": "x"}, matches)["contact_id"] == "cont_b"
    assert calls.attach_by_phone({"lead_id": "lead_a"}, matches) == {"lead_id": "lead_a"}
    assert calls.attach_by_phone({"phone": "x"}, []) == {"phone": "x"}
