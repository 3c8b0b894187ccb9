"""`/api/v1/activity/`: every activity type we hold, with Close's generic list rules."""

from __future__ import annotations

from closecalls.api.handlers import Handlers
from closecalls.api.listing import list_response
from closecalls.domain import calls, statuses
from closecalls.domain.listing import parse_activity_list
from closecalls.domain.projection import parse_fields
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route

# The activity types this server stores; a new type joins this list.
HELD_TYPES = (calls.CALL_TYPE, statuses.STATUS_CHANGE_TYPE)


class ActivityHandlers(Handlers):
    """The generic activity list (calls are the only type held today)."""

    def routes(self) -> list[Route]:
        return [Route("/api/v1/activity/", {"GET": self.list})]

    async def list(self, request: Request) -> Response:
        query = parse_activity_list(
            request.query,
            tz_offset=request.headers.get("x-tz-offset"),
            held_types=HELD_TYPES,
        )
        documents, has_more = await self.services.store.list_activities(
            request.caller.organization_id, query
        )
        selection = parse_fields(request.query.get("_fields"))
        return list_response(documents, has_more, selection, calls.OPTIONAL_FIELDS)
