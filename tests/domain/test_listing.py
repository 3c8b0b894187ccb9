import re
from datetime import timedelta

import pytest

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.listing import (
    COMPARISONS,
    TZ_OFFSET_PATTERN,
    TimeRange,
    parse_activity_list,
    parse_bound,
    parse_call_list,
    parse_tz_offset,
)

DAY = 86_400_000_000
JAN_2 = 1_767_312_000_000_000  # 2026-01-02T00:00:00Z in microseconds


def test_date_bounds_cover_the_calendar_day() -> None:
    zero = timedelta(0)
    assert parse_bound("2026-01-02", "gte", zero) == (JAN_2, None)
    assert parse_bound("2026-01-02", "gt", zero) == (JAN_2 + DAY, None)
    assert parse_bound("2026-01-02", "lt", zero) == (None, JAN_2)
    assert parse_bound("2026-01-02", "lte", zero) == (None, JAN_2 + DAY)


def test_offsets_move_dates_and_naive_datetimes_but_not_aware_ones() -> None:
    minus_five = parse_tz_offset("-5")
    hour = 3_600_000_000
    assert parse_bound("2026-01-02", "gte", minus_five) == (JAN_2 + 5 * hour, None)
    assert parse_bound("2026-01-02T00:00:00", "gte", minus_five) == (JAN_2 + 5 * hour, None)
    assert parse_bound("2026-01-02T00:00:00+00:00", "gte", minus_five) == (JAN_2, None)
    assert parse_bound("2026-01-02T00:00:00 00:00", "gte", minus_five) == (JAN_2, None)


@pytest.mark.parametrize("raw", ["-0.0", "5.5", "-2.5", "0", "", None])
def test_tz_offsets_close_sends(raw: str | None) -> None:
    parse_tz_offset(raw)


@pytest.mark.parametrize("raw", ["east", "25", "nan"])
def test_bad_tz_offsets(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_tz_offset(raw)


def test_call_list_defaults() -> None:
    query = parse_call_list({}, tz_offset=None)
    assert (query.limit, query.skip, query.order_field, query.descending) == (
        100,
        0,
        "date_created",
        True,
    )


def test_activity_list_reports_every_broken_rule() -> None:
    with pytest.raises(ValidationFailed) as failure:
        parse_activity_list(
            {"user_id": "u", "_type": "Call", "_order_by": "-activity_at"},
            tz_offset=None,
        )
    assert len(failure.value.errors) == 3


@pytest.mark.parametrize("raw", ["\u0661\u0660", "\uff11\uff10", "\u0967", "1\u0660", "\u00b2"])
def test_limit_and_skip_take_ascii_digits_only(raw: str) -> None:
    for name in ("_limit", "_skip"):
        with pytest.raises(ValidationFailed, match=name):
            parse_call_list({name: raw}, tz_offset=None)


@pytest.mark.parametrize("raw", ["5", "-5", "+5", "5.5", "23", "-23.75", "0", "09", " 3 "])
def test_tz_offsets_the_document_allows_are_accepted(raw: str) -> None:
    assert re.fullmatch(TZ_OFFSET_PATTERN, raw.strip())
    assert parse_tz_offset(raw) == timedelta(hours=float(raw))


@pytest.mark.parametrize(
    "raw", ["24", "-24", "99", "1e1", "nan", "inf", "\u0665", "5h", "1_0", "."]
)
def test_tz_offsets_the_document_refuses_are_refused(raw: str) -> None:
    assert not re.fullmatch(TZ_OFFSET_PATTERN, raw)
    with pytest.raises(ValidationFailed, match="x-tz-offset"):
        parse_tz_offset(raw)


@pytest.mark.parametrize("comparison", COMPARISONS)
@pytest.mark.parametrize("offset", ["-12", "0", "14"])
@pytest.mark.parametrize(
    "raw", ["9999-12-31", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59+00:00", "0001-01-01"]
)
def test_far_dates_are_sound_bounds(raw: str, comparison: str, offset: str) -> None:
    """The last day a date can name, west or east of UTC, bounds a list; it is not 'invalid'."""
    query = parse_call_list({f"date_created__{comparison}": raw}, tz_offset=offset)
    assert query.date_created != TimeRange()
