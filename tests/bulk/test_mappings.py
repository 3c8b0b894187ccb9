"""Provider exports and `--map` become Close create bodies."""

from __future__ import annotations

import pytest

from closecalls.bulk.formats import CsvRow
from closecalls.bulk.mappings import mapper, parse_map


def test_twilio_takes_the_remote_party_by_direction_and_translates_statuses() -> None:
    rows = mapper("twilio", {}, None)
    outbound = {
        "sid": "CA1", "direction": "outbound-api", "status": "canceled", "duration": "17",
        "from": "+14155550100", "to": "+16505551234",
        "start_time": "Tue, 31 Aug 2010 20:36:28 +0000",
    }  # fmt: skip
    assert rows.body(outbound) == {
        "direction": "outbound", "status": "cancel", "duration": 17, "phone": "+16505551234",
        "date_created": "2010-08-31T20:36:28.000000+00:00",
        "activity_at": "2010-08-31T20:36:28.000000+00:00",
    }  # fmt: skip
    assert rows.natural_key(outbound) == "twilio:CA1"
    inbound = rows.body({**outbound, "direction": "inbound"})
    assert inbound["phone"] == "+14155550100"
    assert inbound["direction"] == "inbound"


def test_aircall_reads_unix_times_voicemails_and_missed_calls() -> None:
    rows = mapper("aircall", {}, None)
    voicemail = {"id": 812, "direction": "inbound", "started_at": 1700000000, "duration": 31,
                 "raw_digits": "+33 1 23 45 67 89",
                 "voicemail": "https://voicemail.aircall.io/812.mp3"}  # fmt: skip
    body = rows.body(voicemail)
    assert body["disposition"] == "vm-left"
    assert body["voicemail_url"] == "https://voicemail.aircall.io/812.mp3"
    assert body["date_created"] == "2023-11-14T22:13:20.000000+00:00"
    missed = rows.body({"id": 813, "direction": "inbound", "missed_call_reason": "short_abandoned"})
    assert (missed["status"], missed["disposition"]) == ("no-answer", "no-answer")
    assert rows.natural_key(voicemail) == "aircall:812"


def test_ringcentral_reads_nested_and_flattened_records() -> None:
    rows = mapper("ringcentral", {}, None)
    nested = {
        "id": "X1", "direction": "Outbound", "result": "Voicemail", "duration": 40,
        "startTime": "2016-06-06T07:46:16.000Z",
        "from": {"phoneNumber": "+14155550100"}, "to": {"phoneNumber": "+16505551234"},
    }  # fmt: skip
    body = rows.body(nested)
    assert body["phone"] == "+16505551234"
    assert (body["status"], body["disposition"]) == ("completed", "vm-left")
    assert body["activity_at"] == "2016-06-06T07:46:16.000+00:00"
    flattened = CsvRow({"id": "X2", "direction": "Inbound", "result": "Missed",
                        "from.phoneNumber": "+14155550100", "duration": "0"})  # fmt: skip
    assert rows.body(flattened)["phone"] == "+14155550100"
    assert rows.body(flattened)["status"] == "no-answer"


def test_close_rows_from_csv_are_typed_and_from_json_left_as_sent() -> None:
    rows = mapper("close", {}, None)
    csv_row = CsvRow({
        "id": "acti_1", "duration": "12", "custom_fields": '{"a": 1}',
        "user_id": "user_elsewhere", "note": "hi", "note_html": "<body>hi</body>",
    })  # fmt: skip
    assert rows.body(csv_row) == {"duration": 12, "custom_fields": {"a": 1}, "note": "hi"}
    assert rows.body({"duration": "12"}) == {"duration": "12"}  # validation will refuse it
    rich = rows.body({"note": "bold", "note_html": "<body><b>bold</b></body>"})
    assert rich == {"note_html": "<body><b>bold</b></body>"}


def test_map_adds_columns_and_key_column_names_rows() -> None:
    rows = mapper("close", parse_map(["duration=Talk Time,phone=Number"]), "Call ID")
    row = CsvRow({"Call ID": "77", "Talk Time": "5", "Number": "+16505551234"})
    assert rows.body(row) == {"duration": 5, "phone": "+16505551234"}
    assert rows.natural_key(row) == "close:77"


def test_rows_without_an_id_are_named_by_a_hash_of_the_whole_row() -> None:
    rows = mapper("close", {}, None)
    one = rows.natural_key({"duration": 1, "note": "a"})
    assert one == rows.natural_key({"note": "a", "duration": 1})
    assert one != rows.natural_key({"note": "a", "duration": 2})
    assert one.startswith("sha256:")


@pytest.mark.parametrize("bad", ["duration", "=x", "nosuchfield=x", "user_id=Owner"])
def test_map_refuses_what_it_cannot_use(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_map([bad])
