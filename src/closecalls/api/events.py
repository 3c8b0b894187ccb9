"""`/api/v1/event/`: Close's event log (empty until events are recorded)."""

from __future__ import annotations

from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.services import Services

EMPTY_PAGE = b'{"data":[],"cursor_next":null,"cursor_previous":null}'


class EventHandlers:
    """The event log; `tap-closeio` asks it first when it discovers streams."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        return [Route("/api/v1/event/", {"GET": self.list})]

    async def list(self, request: Request) -> Response:
        return Response(EMPTY_PAGE)
