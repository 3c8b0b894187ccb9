"""`GET /task/` and `PUT /task/`: the filters, views and orderings Close documents, as a query."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from closecalls.domain import errors, tasks
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.listing import (
    COMPARISONS,
    TimeRange,
    parse_bound,
    parse_id_list,
    parse_limit,
    parse_skip,
    parse_time_ranges,
    parse_tz_offset,
)

ORDERINGS = ("date", "-date", "date_created", "-date_created")
VIEWS = ("inbox", "future", "archive")
# Parameters Close documents that we do not serve: refused by name, never ignored.
REFUSED = ("format", "due_date", *(f"due_date__{c}" for c in COMPARISONS))
NOT_SERVED = "This parameter is not supported by this server."


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """What a task list (or bulk update) selects, already validated."""

    types: tuple[str, ...] | None = (tasks.LEAD,)
    ids: tuple[str, ...] | None = None
    lead_ids: tuple[str, ...] | None = None
    assigned_to: tuple[str, ...] | None = None
    is_complete: bool | None = None
    organization_id: str | None = None
    date: TimeRange = field(default_factory=TimeRange)
    date_created: TimeRange = field(default_factory=TimeRange)
    date_updated: TimeRange = field(default_factory=TimeRange)
    order_field: str = "date"
    descending: bool = False
    limit: int = 100
    skip: int = 0


def _types(params: Mapping[str, str], field_errors: dict[str, str]) -> tuple[str, ...] | None:
    """Without `_type` only lead tasks, as Close lists them; `_type=all` is every type."""
    wanted = parse_id_list(params.get("_type__in")) or parse_id_list(params.get("_type"))
    if wanted is None:
        return (tasks.LEAD,)
    if wanted == ("all",):
        return None
    key = "_type__in" if "_type__in" in params else "_type"
    if any(kind not in tasks.TYPES for kind in wanted):
        field_errors[key] = errors.NOT_A_CHOICE
    return wanted


def _boolean(raw: str | None, key: str, field_errors: dict[str, str]) -> bool | None:
    if raw is None:
        return None
    text = raw.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    field_errors[key] = errors.wrong_type("bool")
    return None


def parse_task_list(
    params: Mapping[str, str], *, tz_offset: str | None, now: datetime
) -> TaskQuery:
    """The query a task list asks for; every bad parameter named at once."""
    offset = parse_tz_offset(tz_offset)
    limit, skip = parse_limit(params), parse_skip(params)
    ranges, field_errors = parse_time_ranges(
        params, offset, ("date", "date_created", "date_updated")
    )
    for key in REFUSED:
        if key in params:
            field_errors[key] = NOT_SERVED
    types = _types(params, field_errors)
    is_complete = _boolean(params.get("is_complete"), "is_complete", field_errors)
    day = params.get("date")
    date_range = ranges["date"]
    if day is not None:
        try:
            date_range = date_range.narrowed(low=parse_bound(day, "gte", offset)[0],
                                             high=parse_bound(day, "lte", offset)[1])  # fmt: skip
        except (ValueError, OverflowError):
            field_errors["date"] = errors.BAD_DATETIME
    view = params.get("view")
    if view is not None:
        if view not in VIEWS:
            field_errors["view"] = errors.NOT_A_CHOICE
        elif view == "archive":
            is_complete = True
        else:
            # `inbox` and `future` override `date__lt` and `date__gte`, as Close documents.
            is_complete = False
            boundary = tasks.end_of_day(now, offset)
            inbox = view == "inbox"
            date_range = TimeRange(None, boundary) if inbox else TimeRange(boundary, None)
    ordering = params.get("_order_by", "date")
    if ordering not in ORDERINGS:
        field_errors["_order_by"] = errors.NOT_A_CHOICE
        ordering = "date"
    if field_errors:
        raise ValidationFailed(field_errors)
    ids = parse_id_list(params.get("id__in"))
    if params.get("id"):
        ids = (*(ids or ()), params["id"])
    return TaskQuery(
        types=types, ids=ids, lead_ids=parse_id_list(params.get("lead_id")),
        assigned_to=parse_id_list(params.get("assigned_to")), is_complete=is_complete,
        organization_id=params.get("organization_id") or None, date=date_range,
        date_created=ranges["date_created"], date_updated=ranges["date_updated"],
        order_field=ordering.lstrip("-"), descending=ordering.startswith("-"), limit=limit,
        skip=skip,
    )  # fmt: skip
