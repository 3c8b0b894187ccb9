"""`/api/v1/activity/note/`: write, read, change, delete and list notes."""

from __future__ import annotations

from closecalls.api.activity_resource import ActivityResource
from closecalls.domain import note_activity


class NoteHandlers(ActivityResource):
    """Handlers for the Note resource."""

    kind = note_activity.KIND
