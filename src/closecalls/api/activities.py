"""`/api/v1/activity/`: the timeline of every activity type, and deleting any activity."""

from __future__ import annotations

import msgspec

from closecalls.api.handlers import Handlers, deleted
from closecalls.api.listing import list_response
from closecalls.api.recording import EventRecorder
from closecalls.domain.listing import ActivityQuery, parse_activity_list
from closecalls.domain.projection import parse_fields
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route

_decode = msgspec.json.Decoder().decode


class ActivityHandlers(Handlers):
    """The generic activity list, and Close's older generic delete."""

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/activity/", {"GET": self.list}),
            Route("/api/v1/activity/{activity_id}/", {"DELETE": self.delete}),
        ]

    async def list(self, request: Request) -> Response:
        query = parse_activity_list(request.query, tz_offset=request.headers.get("x-tz-offset"))
        documents, has_more = await self.services.store.list_activities(
            request.caller.organization_id, query
        )
        return list_response(documents, has_more, parse_fields(request.query.get("_fields")))

    async def delete(self, request: Request) -> Response:
        """Delete an activity of any type (Close's older documentation)."""
        organization_id = request.caller.organization_id
        activity_id = request.path_params["activity_id"]
        store = self.services.store
        found, _ = await store.list_activities(
            organization_id, ActivityQuery(ids=(activity_id,), limit=1)
        )
        if not found:
            raise object_not_found("Activity")
        activity_type = _decode(found[0])["_type"]
        found_and_deleted = await store.delete_activity(
            organization_id, activity_type, activity_id,
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found_and_deleted, "Activity")
