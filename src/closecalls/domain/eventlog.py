"""`GET /event/` queries: Close's filters, their allowed combinations and cursors, as pure rules."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from closecalls.domain.errors import ValidationFailed
from closecalls.domain.listing import TimeRange, parse_time_ranges, parse_tz_offset

MAX_LIMIT = 50
DEFAULT_LIMIT = 50
FILTERS = ("object_type", "object_id", "action", "lead_id", "user_id", "request_id")
# Close's documented combinations; `date_updated` bounds may join any of them.
ALLOWED_COMBINATIONS = frozenset(
    frozenset(names)
    for names in (
        (), ("object_type", "object_id"), ("object_type", "action"), ("object_id", "action"),
        ("lead_id", "object_type"), ("lead_id", "object_type", "action"),
        ("lead_id", "user_id", "object_type"), ("lead_id", "user_id", "object_type", "action"),
        ("lead_id", "user_id"), ("user_id", "object_id"), ("user_id", "object_id", "action"),
        ("user_id", "object_type"), ("user_id", "object_type", "action"),
        ("lead_id",), ("user_id",), ("request_id",),
    )
)  # fmt: skip
OLDER, NEWER = "older", "newer"
_CURSOR = re.compile(r"(older|newer):(-?[0-9]+):([0-9]+)")


@dataclass(frozen=True, slots=True)
class EventCursor:
    """A place in the log: events strictly older (or newer) than (date_updated, seq)."""

    direction: str
    date_updated: int
    seq: int

    def encode(self) -> str:
        text = f"{self.direction}:{self.date_updated}:{self.seq}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """One page of the event log, already validated."""

    equals: dict[str, str] = field(default_factory=dict)
    date_updated: TimeRange = field(default_factory=TimeRange)
    cursor: EventCursor | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def newer(self) -> bool:
        return self.cursor is not None and self.cursor.direction == NEWER


def decode_cursor(raw: str) -> EventCursor:
    try:
        padded = (raw + "=" * (-len(raw) % 4)).encode("ascii")
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    found = _CURSOR.fullmatch(text)
    cursor = None if found is None else EventCursor(found[1], int(found[2]), int(found[3]))
    # Only the cursors this server wrote: anything else would page from somewhere unmeant.
    if cursor is None or cursor.encode() != raw:
        raise ValidationFailed(field_errors={"_cursor": "Invalid cursor."})
    return cursor


def parse_event_list(params: Mapping[str, str], *, tz_offset: str | None) -> EventQuery:
    """The filters, bounds, cursor and limit of a `GET /event/`, or Close's 400."""
    field_errors: dict[str, str] = {}
    equals = {name: params[name] for name in FILTERS if params.get(name)}
    if frozenset(equals) not in ALLOWED_COMBINATIONS:
        raise ValidationFailed(
            errors=[f"Unsupported combination of filters: {', '.join(sorted(equals))}."]
        )
    offset = parse_tz_offset(tz_offset)
    # An empty bound is no bound here (the activity lists refuse it).
    given = {name: value for name, value in params.items() if value != ""}
    ranges, bad_bounds = parse_time_ranges(given, offset, ("date_updated",))
    field_errors.update(bad_bounds)
    bounds = ranges["date_updated"]
    limit = DEFAULT_LIMIT
    raw_limit = params.get("_limit", "")
    if raw_limit != "":
        if not re.fullmatch(r"[0-9]+", raw_limit.strip()) or not 0 < int(raw_limit) <= MAX_LIMIT:
            field_errors["_limit"] = f"Must be an integer between 1 and {MAX_LIMIT}."
        else:
            limit = int(raw_limit)
    if params.get("_skip"):
        field_errors["_skip"] = "The event log pages with _cursor; _skip is not supported."
    cursor = None
    if params.get("_cursor"):
        try:
            cursor = decode_cursor(params["_cursor"])
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
    if field_errors:
        raise ValidationFailed(field_errors)
    return EventQuery(equals=equals, date_updated=bounds, cursor=cursor, limit=limit)
