from datetime import UTC, datetime

import pytest

from closecalls.domain.times import format_timestamp, parse_timestamp, to_micros


def test_format_always_has_microseconds_and_utc_offset() -> None:
    assert format_timestamp(datetime(2019, 1, 9, 14, 35, 8, tzinfo=UTC)) == (
        "2019-01-09T14:35:08.000000+00:00"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-01-09T14:35:08.272000+00:00", "2019-01-09T14:35:08.272000+00:00"),
        ("2019-01-09T14:35:08Z", "2019-01-09T14:35:08.000000+00:00"),
        ("2019-01-09T14:35:08", "2019-01-09T14:35:08.000000+00:00"),
        ("2019-01-09T16:35:08+02:00", "2019-01-09T14:35:08.000000+00:00"),
        ("2019-01-09", "2019-01-09T00:00:00.000000+00:00"),
    ],
)
def test_parse_accepts_iso_8601_and_treats_naive_as_utc(text: str, expected: str) -> None:
    assert format_timestamp(parse_timestamp(text)) == expected


def test_parse_rejects_non_dates() -> None:
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


def test_micros_roundtrip_epoch() -> None:
    assert to_micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005
