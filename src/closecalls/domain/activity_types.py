"""Every activity type this server holds, by Close's `_type`."""

from __future__ import annotations

from collections.abc import Mapping

from closecalls.domain import calls, meetings, note_activity, sms
from closecalls.domain.activity import ActivityType

TYPES: tuple[ActivityType, ...] = (calls.KIND, sms.KIND, note_activity.KIND, meetings.KIND)
BY_NAME: Mapping[str, ActivityType] = {kind.name: kind for kind in TYPES}


def optional_fields(activity_type: str) -> tuple[str, ...]:
    """The keys of a type served only when `_fields` names them (none for types we do not hold)."""
    kind = BY_NAME.get(activity_type)
    return () if kind is None else kind.optional_fields
