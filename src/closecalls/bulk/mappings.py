"""Column mappings: how one row of a call log becomes the body of a Close create request.

Each mapping only renames and translates; the body then goes through the API's own
validation, so a bad value is reported with Close's message for the field it lands in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec

from closecalls.bulk.formats import CsvRow
from closecalls.domain import calls
from closecalls.domain.times import format_timestamp

Row = Mapping[str, Any]
Body = dict[str, Any]

_canonical = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.Decoder().decode
_INTEGER = re.compile(r"-?[0-9]+")
# Users belong to one installation: an imported call is logged by the importing user.
NOT_IMPORTED = ("user_id", "created_by_id", "organization_id")
CLOSE_KEYS = tuple(key for key in calls.CREATE_SCHEMA if key not in NOT_IMPORTED)


class RowError(Exception):
    """A row that cannot become a request body at all (not one bad field)."""


@dataclass(frozen=True, slots=True)
class ProviderMapping:
    """A named translation from a provider's columns to Close's create fields."""

    name: str
    key_column: str | None
    convert: Callable[[Row], Body]
    # Columns every export of this provider has: a header with all of them is its export.
    signature: frozenset[str] = frozenset()


def cell(row: Row, column: str) -> Any:
    """A column's value; `a.b` reaches into a nested JSON object too."""
    value = row.get(column)
    if value is None and "." in column:
        value = row
        for part in column.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


# The fields whose CSV cells are not text; looked up once, not per cell.
_TYPED_KINDS = {
    name: field.kind
    for name, field in calls.CREATE_SCHEMA.items()
    if field.kind in ("integer", "object", "datetime")
}


def typed(field: str, value: Any) -> Any:
    """A CSV cell as the JSON type the field takes; anything else is left to validation."""
    if not isinstance(value, str):
        return value
    kind = _TYPED_KINDS.get(field)
    if kind is None:
        return value
    if kind == "integer" and _INTEGER.fullmatch(value.strip()):
        return int(value)
    if kind == "object" and value.lstrip().startswith("{"):
        try:
            return _decode(value)
        except msgspec.DecodeError:
            return value
    if kind == "datetime":
        return timestamp(value)
    return value


def timestamp(value: Any) -> Any:
    """ISO 8601, RFC 2822 (Twilio) or Unix seconds (Aircall) as ISO 8601; else as it came."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_timestamp(datetime.fromtimestamp(value, UTC))
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return format_timestamp(datetime.fromtimestamp(int(text), UTC))
    if text.endswith("Z"):
        return text[:-1] + "+00:00"
    if "," in text:
        try:
            return format_timestamp(parsedate_to_datetime(text))
        except (TypeError, ValueError):
            return value
    return value


def close(row: Row) -> Body:
    """Close's own field names (what `closecalls export` and Close's API write)."""
    if isinstance(row, CsvRow):
        body = {key: typed(key, row[key]) for key in CLOSE_KEYS if key in row}
    else:
        # JSON values go to validation exactly as they came, as an API request's would.
        body = {key: row[key] for key in CLOSE_KEYS if row.get(key) is not None}
    if "note" in body and "note_html" in body:
        # An export holds both; send the one the call was made with, so both come back.
        made_from_note = calls.resolve_notes({"note": body["note"]})["note_html"]
        del body["note_html" if made_from_note == body["note_html"] else "note"]
    return body


TWILIO_STATUSES = {
    "queued": "created", "ringing": "created", "in-progress": "in-progress",
    "completed": "completed", "busy": "busy", "failed": "failed", "no-answer": "no-answer",
    "canceled": "cancel",
}  # fmt: skip


# Twilio's directions; trunking and anything else is left to validation to refuse.
TWILIO_DIRECTIONS = {"inbound": "inbound", "outbound-api": "outbound", "outbound-dial": "outbound"}


def twilio(row: Row) -> Body:
    """Twilio's Call resource (`twilio api:core:calls:list`, the Console's CSV export)."""
    direction = cell(row, "direction")
    if isinstance(direction, str):
        direction = TWILIO_DIRECTIONS.get(direction, direction or None)
    outbound = direction == "outbound"
    status = cell(row, "status")
    started = cell(row, "start_time") or cell(row, "date_created")
    return _present(
        direction=direction,
        status=TWILIO_STATUSES.get(status, status) if isinstance(status, str) else status,
        duration=typed("duration", cell(row, "duration")),
        phone=cell(row, "to" if outbound else "from"),
        date_created=timestamp(started),
        activity_at=timestamp(started),
    )


def aircall(row: Row) -> Body:
    """Aircall's call object (its API, and its CSV export of the same fields)."""
    missed = cell(row, "missed_call_reason")
    voicemail = cell(row, "voicemail")
    answered = cell(row, "answered_at")
    disposition = (
        "vm-left" if voicemail else "no-answer" if missed else "answered" if answered else None
    )
    started = cell(row, "started_at")
    return _present(
        direction=cell(row, "direction"),
        status="no-answer" if missed else "completed",
        disposition=disposition,
        duration=typed("duration", cell(row, "duration")),
        phone=cell(row, "raw_digits"),
        recording_url=cell(row, "recording"),
        voicemail_url=voicemail,
        date_created=timestamp(started),
        activity_at=timestamp(started),
    )


RINGCENTRAL_RESULTS = {
    "Call connected": ("completed", "answered"), "Accepted": ("completed", "answered"),
    "Missed": ("no-answer", "no-answer"), "No Answer": ("no-answer", "no-answer"),
    "Voicemail": ("completed", "vm-left"), "Busy": ("busy", "busy"),
    "Rejected": ("cancel", None), "Declined": ("cancel", None), "Blocked": ("cancel", "blocked"),
    "Hang Up": ("completed", None), "Abandoned": ("cancel", "abandoned"),
}  # fmt: skip


def ringcentral(row: Row) -> Body:
    """RingCentral's call log record (its API's JSON, nested or flattened as `from.phoneNumber`)."""
    direction = cell(row, "direction")
    direction = direction.lower() if isinstance(direction, str) else direction
    result = cell(row, "result")
    # An unknown result is not guessed at: it goes to validation as the status, which refuses it.
    status, disposition = (
        RINGCENTRAL_RESULTS.get(result, (result, None)) if result else (None, None)
    )
    started = cell(row, "startTime")
    return _present(
        direction=direction or None,
        status=status,
        disposition=disposition,
        duration=typed("duration", cell(row, "duration")),
        phone=cell(row, "to.phoneNumber" if direction == "outbound" else "from.phoneNumber"),
        recording_url=cell(row, "recording.contentUri"),
        date_created=timestamp(started),
        activity_at=timestamp(started),
    )


def _present(**fields: Any) -> Body:
    return {name: value for name, value in fields.items() if value is not None}


MAPPINGS = {
    mapping.name: mapping
    for mapping in (
        ProviderMapping("close", "id", close),
        ProviderMapping("twilio", "sid", twilio, frozenset({"sid", "from", "to", "direction"})),
        ProviderMapping(
            "aircall", "id", aircall, frozenset({"raw_digits", "started_at", "direction"})
        ),
        ProviderMapping(
            "ringcentral", "id", ringcentral, frozenset({"startTime", "result", "direction"})
        ),
    )
}


def detect(columns: Iterable[str]) -> str:
    """Whose export a file with these columns is; ValueError when they match none."""
    header = {column.split(".")[0] for column in columns}
    for mapping in MAPPINGS.values():
        if mapping.signature and mapping.signature <= header:
            return mapping.name
    if header & set(CLOSE_KEYS):
        return "close"
    raise ValueError(
        "the file's columns match no export closecalls knows (Close's call fields, or "
        + "; ".join(
            f"{m.name}: {', '.join(sorted(m.signature))}" for m in MAPPINGS.values() if m.signature
        )
        + "): name its columns with --map FIELD=COLUMN"
    )


def check_columns(name: str, columns: Iterable[str]) -> None:
    """Refuse a file that lacks the columns the mapping it is imported with reads."""
    header = {column.split(".")[0] for column in columns}
    missing = MAPPINGS[name].signature - header
    if missing:
        raise ValueError(
            f"--mapping {name}: the file has no {', '.join(sorted(missing))} column; "
            f"is it {name}'s export?"
        )


def parse_map(pairs: list[str]) -> dict[str, str]:
    """`--map FIELD=COLUMN` options as {field: column}; unknown fields are refused."""
    fields: dict[str, str] = {}
    for pair in pairs:
        for item in pair.split(","):
            field, sep, column = item.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not field or not column:
                raise ValueError(f"--map takes FIELD=COLUMN, not {item!r}")
            if field not in CLOSE_KEYS:
                raise ValueError(f"--map: {field!r} is not a field of a call you can import")
            fields[field] = column
    return fields


@dataclass(frozen=True, slots=True)
class RowMapper:
    """A mapping, with `--map` columns on top and the column that names each row."""

    mapping: ProviderMapping
    extra: Mapping[str, str]
    key_column: str | None

    def body(self, row: Row) -> Body:
        body = self.mapping.convert(row)
        for field, column in self.extra.items():
            value = cell(row, column)
            if value is None:
                body.pop(field, None)
            else:
                body[field] = typed(field, value)
        return body

    def natural_key(self, row: Row) -> str:
        """The provider's call id, or (without one) a hash of the whole row."""
        if self.key_column is not None and (value := cell(row, self.key_column)) is not None:
            return f"{self.mapping.name}:{value}"
        try:
            return "sha256:" + hashlib.sha256(_canonical(dict(row))).hexdigest()
        except TypeError as error:
            raise RowError(f"the row cannot be read: {error}") from None


def mapper(name: str, extra: Mapping[str, str], key_column: str | None) -> RowMapper:
    """The mapping called `name`; `--key-column` overrides its id column."""
    mapping = MAPPINGS[name]
    return RowMapper(mapping, dict(extra), key_column or mapping.key_column)
