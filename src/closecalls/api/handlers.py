"""What every resource's handlers share: the services they run on and a resource's routes."""

from __future__ import annotations

from typing import Protocol

from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.services import Services


class Handlers:
    """One resource's handlers; `routes()` says which path and method runs which."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        raise NotImplementedError


class Resource(Protocol):
    """Handlers for the five operations Close offers on most resources."""

    async def list(self, request: Request) -> Response: ...

    async def create(self, request: Request) -> Response: ...

    async def get(self, request: Request) -> Response: ...

    async def update(self, request: Request) -> Response: ...

    async def delete(self, request: Request) -> Response: ...


def resource_routes(collection: str, item: str, handlers: Resource) -> list[Route]:
    """`collection` lists (GET) and creates (POST); `collection{item}/` gets, updates, deletes."""
    return [
        Route(collection, {"GET": handlers.list, "POST": handlers.create}),
        Route(
            f"{collection}{{{item}}}/",
            {"GET": handlers.get, "PUT": handlers.update, "DELETE": handlers.delete},
        ),
    ]


def deleted(found: bool, label: str) -> Response:
    """Close's answer to a delete: `{}`, or 404 naming the `label` when there was nothing."""
    if not found:
        raise object_not_found(label)
    return Response(b"{}")
