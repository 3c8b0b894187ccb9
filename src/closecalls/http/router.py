"""Path routing with Close's trailing slashes, 404 and 405."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import NamedTuple

from closecalls.http.errors import MethodNotAllowed, NotFound
from closecalls.http.request import Request
from closecalls.http.responses import Response

Handler = Callable[[Request], Awaitable[Response]]

_PARAM = re.compile(r"\{(\w+)\}")
_SLASHES = re.compile(r"/{2,}")
API_ROOT = "/api/v1/"


@dataclass(frozen=True, slots=True)
class Route:
    """One path template and its handler per method."""

    path: str
    methods: dict[str, Handler]
    public: bool = False

    def pattern(self) -> re.Pattern[str]:
        # No id holds a NUL (PostgreSQL text cannot): such a path names nothing, a 404.
        named = _PARAM.sub(lambda param: f"(?P<{param[1]}>[^/\\x00]+)", self.path)
        return re.compile("^" + named + "$")


class Match(NamedTuple):
    """A tuple, not a frozen dataclass: one is made per request, and a frozen dataclass's
    `__init__` (an `object.__setattr__` per field) cost a GET by id about 1 µs more."""

    route: Route
    handler: Handler
    params: dict[str, str]


class Redirect(Exception):
    """The path lacks Close's trailing slash; send the client to the one that has it."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class Router:
    """Finds the route for a method and path, or says why there is none."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._static = {route.path: route for route in routes if "{" not in route.path}
        # Each template's text before its first parameter: a path that does not start with
        # it is not tried against the pattern (a string compare is cheaper than a regex).
        self._dynamic = [
            (route.path[: route.path.index("{")], route.pattern(), route)
            for route in routes
            if "{" in route.path
        ]

    def _find(self, path: str) -> tuple[Route, dict[str, str]] | None:
        route = self._static.get(path)
        if route is not None:
            return route, {}
        for prefix, pattern, candidate in self._dynamic:
            if path.startswith(prefix):
                found = pattern.match(path)
                if found:
                    return candidate, found.groupdict()
        return None

    def match(self, method: str, path: str) -> Match:
        # Close serves `/api/v1//lead/` as `/api/v1/lead/`, and a production connector sends it.
        if path.startswith(API_ROOT) and "//" in path:
            path = API_ROOT + _SLASHES.sub("/", path[len(API_ROOT) :]).lstrip("/")
        found = self._find(path)
        if found is None:
            if not path.endswith("/") and self._find(path + "/") is not None:
                raise Redirect(path + "/")
            raise NotFound(
                "The requested URL was not found on the server. If you entered the URL "
                "manually please check your spelling and try again."
            )
        route, params = found
        handler = route.methods.get(method)
        if handler is None:
            raise MethodNotAllowed(sorted(route.methods))
        return Match(route, handler, params)
