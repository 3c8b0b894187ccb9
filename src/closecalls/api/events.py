"""`/api/v1/event/`: Close's event log, newest first, paged by cursors."""

from __future__ import annotations

from dataclasses import replace

from closecalls.api.handlers import Handlers
from closecalls.domain.eventlog import NEWER, OLDER, EventCursor, EventQuery, parse_event_list
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route
from closecalls.store.events import EventEntry
from closecalls.store.store import Store

EMPTY_PAGE = b'{"data":[],"cursor_next":null,"cursor_previous":null}'


class EventHandlers(Handlers):
    """The event log; `tap-closeio` asks it first when it discovers streams."""

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/event/", {"GET": self.list}),
            Route("/api/v1/event/{event_id}/", {"GET": self.get}),
        ]

    async def get(self, request: Request) -> Response:
        document = await self.services.store.get_event(
            request.caller.organization_id, request.path_params["event_id"]
        )
        if document is None:
            raise object_not_found("Event")
        return Response(document)

    async def list(self, request: Request) -> Response:
        query = parse_event_list(request.query, tz_offset=request.headers.get("x-tz-offset"))
        store = self.services.store
        organization_id = request.caller.organization_id
        found = await store.list_events(organization_id, query)
        page = found[: query.limit]
        beyond = len(found) > query.limit
        if query.newer:
            page.reverse()
        if not page:
            return Response(EMPTY_PAGE)
        newest, oldest = page[0], page[-1]
        # One of the two directions is known from the extra row; the other takes a look.
        if query.newer:
            more_newer = beyond
            more_older = await _any(store, organization_id, query, oldest, OLDER)
        else:
            more_newer = await _any(store, organization_id, query, newest, NEWER)
            more_older = beyond
        body = b",".join(entry.document for entry in page)
        cursor_next = _cursor(oldest, OLDER) if more_older else None
        cursor_previous = _cursor(newest, NEWER) if more_newer else None
        return Response(
            b'{"data":[' + body + b'],"cursor_next":' + encode_json(cursor_next)
            + b',"cursor_previous":' + encode_json(cursor_previous) + b"}"
        )  # fmt: skip


def _cursor(entry: EventEntry, direction: str) -> str:
    return EventCursor(direction, entry.date_updated, entry.seq).encode()


async def _any(
    store: Store, organization_id: str, query: EventQuery, entry: EventEntry, direction: str
) -> bool:
    """Whether any event matching the query lies past `entry` in `direction`."""
    probe = replace(query, limit=0, cursor=EventCursor(direction, entry.date_updated, entry.seq))
    return bool(await store.list_events(organization_id, probe))
