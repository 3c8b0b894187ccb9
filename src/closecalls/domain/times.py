"""Timestamps as Close writes and reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """Close's form: `2019-01-09T14:35:08.272000+00:00`, always UTC with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 date or datetime as an aware UTC datetime; naive values are UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch: how timestamps are indexed in the store."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """The moment `micros` microseconds after the epoch, in UTC."""
    return EPOCH + timedelta(microseconds=micros)
