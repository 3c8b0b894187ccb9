"""List queries for activities: Close's paging, filters, ordering and time zones, as pure rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from closecalls.domain import errors
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.times import to_micros

MAX_LIMIT = 100
MAX_SKIP = 250_000
# Close publishes no maxima; these are the page sizes production connectors ask for
# (see docs/compatibility.md). Every other list keeps MAX_LIMIT.
MAX_LIMITS = {"lead": 200, "contact": 200, "user": 1_000, "custom_field": 1_000}
DEFAULT_LIMIT = 100
ORDERINGS = ("date_created", "-date_created", "activity_at", "-activity_at")
DATE_FIELDS = ("date_created", "activity_at")
COMPARISONS = ("gt", "gte", "lt", "lte")
DAY = 86_400_000_000
_DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# `x-tz-offset`: hours east of UTC, under 24 either way, in ASCII digits; empty is UTC. The
# OpenAPI document states this same pattern.
TZ_OFFSET_PATTERN = r"^(?:[+-]?(?:[01]?[0-9]|2[0-3])(?:\.[0-9]+)?)?$"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Bounds in microseconds since the epoch: `low <= t < high` after normalisation."""

    low: int | None = None
    high: int | None = None

    def narrowed(self, *, low: int | None = None, high: int | None = None) -> TimeRange:
        new_low = self.low if low is None else low if self.low is None else max(self.low, low)
        new_high = (
            self.high if high is None else high if self.high is None else min(self.high, high)
        )
        return TimeRange(new_low, new_high)


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    """What a list request asks the store for, already validated."""

    types: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    lead_ids: tuple[str, ...] | None = None
    contact_ids: tuple[str, ...] | None = None
    user_ids: tuple[str, ...] | None = None
    organization_id: str | None = None
    date_created: TimeRange = field(default_factory=TimeRange)
    activity_at: TimeRange = field(default_factory=TimeRange)
    order_field: str = "date_created"
    descending: bool = True
    limit: int = DEFAULT_LIMIT
    skip: int = 0


def parse_limit(params: Mapping[str, str], *, maximum: int = MAX_LIMIT) -> int:
    """`_limit`: 100 by default, at most the resource's own maximum."""
    raw = params.get("_limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"-?[0-9]+", raw.strip()):
        raise ValidationFailed(errors=[f'_limit must be an integer (got "{raw}" instead).'])
    limit = int(raw)
    if limit < 0:
        raise ValidationFailed(
            errors=[f'_limit must be a non-negative integer (got "{raw}" instead).']
        )
    if limit > maximum:
        raise ValidationFailed(
            errors=[
                "The limit you set is larger than the maximum limit for this resource "
                f"(max_limit = {maximum})."
            ]
        )
    return limit


def parse_skip(params: Mapping[str, str]) -> int:
    raw = params.get("_skip")
    if raw is None or raw == "":
        return 0
    if not re.fullmatch(r"[0-9]+", raw.strip()):
        raise ValidationFailed(
            errors=[f'_skip must be a non-negative integer (got "{raw}" instead).']
        )
    skip = int(raw)
    if skip > MAX_SKIP:
        raise ValidationFailed(
            errors=[
                "The skip you set is larger than the maximum skip for this resource "
                f"(max_skip = {MAX_SKIP}).\nPlease refine your search query."
            ]
        )
    return skip


def parse_id_list(raw: str | None) -> tuple[str, ...] | None:
    """A comma-separated list; absent means no filter."""
    if raw is None:
        return None
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def parse_tz_offset(raw: str | None) -> timedelta:
    """Close's `x-tz-offset`: the caller's UTC offset in hours, possibly fractional."""
    if raw is None or raw.strip() == "":
        return timedelta(0)
    if not re.fullmatch(TZ_OFFSET_PATTERN, raw.strip()):
        raise ValidationFailed(errors=[f'Invalid x-tz-offset header (got "{raw}").'])
    return timedelta(hours=float(raw))


def parse_bound(raw: str, comparison: str, offset: timedelta) -> tuple[int | None, int | None]:
    """One `__gt/__gte/__lt/__lte` value as (low, high) microsecond bounds.

    A date stands for the whole calendar day in the caller's zone: `gte` and `lt`
    bound at its start, `gt` and `lte` at its end, so `gte=D&lte=D` is the whole day.
    Naive datetimes and dates are in the caller's zone (`x-tz-offset`, else UTC).
    """
    text = raw.strip()
    # Microsecond arithmetic, not datetimes: the day after 9999-12-31, or a late naive time
    # west of UTC, lies past what a datetime holds but is a sound bound.
    shift = offset // timedelta(microseconds=1)
    if _DATE_ONLY.match(text):
        day = date.fromisoformat(text)
        start = to_micros(datetime(day.year, day.month, day.day, tzinfo=UTC)) - shift
        end = start + DAY
        return {
            "gte": (start, None),
            "gt": (end, None),
            "lt": (None, start),
            "lte": (None, end),
        }[comparison]
    moment = datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
    if moment.tzinfo is None:
        micros = to_micros(moment.replace(tzinfo=UTC)) - shift
    else:
        micros = to_micros(moment)
    return {
        "gte": (micros, None),
        "gt": (micros + 1, None),
        "lt": (None, micros),
        "lte": (None, micros + 1),
    }[comparison]


def parse_time_ranges(
    params: Mapping[str, str], offset: timedelta, fields: Sequence[str] = DATE_FIELDS
) -> tuple[dict[str, TimeRange], dict[str, str]]:
    """Every date filter present, as ranges per field, and errors per bad parameter."""
    ranges = {name: TimeRange() for name in fields}
    field_errors: dict[str, str] = {}
    for name in fields:
        for comparison in COMPARISONS:
            key = f"{name}__{comparison}"
            raw = params.get(key)
            if raw is None:
                continue
            try:
                low, high = parse_bound(raw, comparison, offset)
            except (ValueError, OverflowError):
                field_errors[key] = errors.BAD_DATETIME
                continue
            ranges[name] = ranges[name].narrowed(low=low, high=high)
    return ranges, field_errors


def parse_ordering(raw: str | None) -> tuple[str, bool]:
    """(field, descending); unknown orderings fall back to newest first, as Close ignores them."""
    if raw in ORDERINGS:
        assert raw is not None
        return raw.lstrip("-"), raw.startswith("-")
    return "date_created", True


def _query(
    params: Mapping[str, str],
    ranges: Mapping[str, TimeRange],
    limit: int,
    skip: int,
    id_list: Callable[[str], tuple[str, ...] | None],
) -> ActivityQuery:
    """The query both lists build; they differ in how an id list is read (`name__in` or not)."""
    order_field, descending = parse_ordering(params.get("_order_by"))
    return ActivityQuery(
        types=id_list("_type"),
        ids=parse_id_list(params.get("id__in")),
        lead_ids=id_list("lead_id"),
        contact_ids=id_list("contact_id"),
        user_ids=id_list("user_id"),
        organization_id=params.get("organization_id") or None,
        date_created=ranges["date_created"],
        activity_at=ranges["activity_at"],
        order_field=order_field,
        descending=descending,
        limit=limit,
        skip=skip,
    )


def parse_call_list(params: Mapping[str, str], *, tz_offset: str | None) -> ActivityQuery:
    """The query `GET /activity/call/` asks for; every bad parameter named at once."""
    offset = parse_tz_offset(tz_offset)
    limit, skip = parse_limit(params), parse_skip(params)
    ranges, field_errors = parse_time_ranges(params, offset)
    if field_errors:
        raise ValidationFailed(field_errors)
    return _query(params, ranges, limit, skip, lambda name: parse_id_list(params.get(name)))


def _merged_list(params: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    """`name` and `name__in` are the same filter on /activity/; both may be sent."""
    values = [parse_id_list(params.get(name)), parse_id_list(params.get(f"{name}__in"))]
    present = [value for value in values if value is not None]
    if not present:
        return None
    return tuple(dict.fromkeys(item for value in present for item in value))


LEAD_ONLY_FILTERS = ("user_id", "contact_id", "_type")


def parse_activity_list(params: Mapping[str, str], *, tz_offset: str | None) -> ActivityQuery:
    """The query `GET /activity/` asks for, with Close's rules on which filters go together.

    Without a type filter it asks for every type, whoever wrote it.
    """
    offset = parse_tz_offset(tz_offset)
    limit, skip = parse_limit(params), parse_skip(params)
    ranges, field_errors = parse_time_ranges(params, offset)
    lead_ids = _merged_list(params, "lead_id")
    single_lead = lead_ids is not None and len(lead_ids) == 1
    problems: list[str] = []
    for name in LEAD_ONLY_FILTERS:
        for key in (name, f"{name}__in"):
            if key in params and not single_lead:
                problems.append(f"{key} can only be used when listing the activities of one lead.")
    order_field, _ = parse_ordering(params.get("_order_by"))
    if order_field == "activity_at" and not single_lead:
        problems.append(
            "Sorting by activity_at is only possible when listing the activities of one lead."
        )
    other_field = "date_created" if order_field == "activity_at" else "activity_at"
    for comparison in COMPARISONS:
        key = f"{other_field}__{comparison}"
        if key in params:
            problems.append(
                f"{key} can only be used when sorting by {other_field} "
                f"(_order_by={'-' if other_field == 'activity_at' else ''}{other_field})."
            )
    if field_errors or problems:
        raise ValidationFailed(field_errors, problems)
    return _query(params, ranges, limit, skip, lambda name: _merged_list(params, name))
