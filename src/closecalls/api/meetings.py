"""`/api/v1/activity/meeting/`: read, note, delete and list meetings (no plain create)."""

from __future__ import annotations

from closecalls.api.activity_resource import ActivityResource
from closecalls.domain import meetings


class MeetingHandlers(ActivityResource):
    """Handlers for the Meeting resource."""

    kind = meetings.KIND
