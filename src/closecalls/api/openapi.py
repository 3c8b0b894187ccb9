"""`/api/v1/openapi.json`: the OpenAPI document of every route the app serves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route
from closecalls.openapi import build_document
from closecalls.services import Services

PATH = "/api/v1/openapi.json"


class RouteSource(Protocol):
    def routes(self) -> list[Route]: ...


HandlerKind = Callable[[Services], RouteSource]


class OpenApiHandlers:
    """Serves the document of its sibling handlers' routes and its own, encoded once."""

    def __init__(self, services: Services, *, kinds: Sequence[HandlerKind]) -> None:
        routes = [route for kind in kinds for route in kind(services).routes()]
        # Routes are fixed once the app is built, so the bytes never change.
        self._document = encode_json(build_document([*routes, *self.routes()]))

    def routes(self) -> list[Route]:
        return [Route(PATH, {"GET": self.document}, public=True)]

    async def document(self, request: Request) -> Response:
        """Get this API's OpenAPI 3.1 document."""
        return Response(self._document)


def with_openapi(*kinds: HandlerKind) -> tuple[HandlerKind, ...]:
    """The handler kinds, then one serving the OpenAPI document of all their routes."""
    return (*kinds, partial(OpenApiHandlers, kinds=kinds))
