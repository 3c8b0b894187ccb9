"""Where the toolkit meets each request: admin routes, faults, the journal and loose mode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from closecalls.domain.clock import Clock
from closecalls.domain.ids import IdSource
from closecalls.domain.times import format_timestamp
from closecalls.http.auth import Authenticator
from closecalls.http.errors import ApiError
from closecalls.http.request import Request
from closecalls.http.responses import Response, error_response, send_response
from closecalls.http.router import Router
from closecalls.openapi import OPERATIONS
from closecalls.openapi_schemas import schemas
from closecalls.services import Services
from closecalls.toolkit.admin import PREFIX, AdminHandlers
from closecalls.toolkit.faults import Fault
from closecalls.toolkit.journal import decoded, visible_headers
from closecalls.toolkit.state import ToolkitState
from closecalls.toolkit.tenancy import TenantClock, TenantIds

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class DroppedConnection(Exception):
    """Raised after the response has started, so the server cuts the connection there."""


def tenant_aware(clock: Clock, ids: IdSource | None) -> tuple[Clock, IdSource]:
    """THE clock and id source when the admin API is on: settable per organization."""
    tenant_clock = TenantClock(clock)
    return tenant_clock, TenantIds(ids or IdSource(tenant_clock), tenant_clock)


class Toolkit(ToolkitState):
    """Admin routes, per-organization time, ids and mode, the journal and faults."""

    def __init__(
        self,
        services: Services,
        app_router: Router,
        respond: Callable[[Request], Awaitable[Response]],
        authenticator: Authenticator,
    ) -> None:
        super().__init__(services, app_router)
        self.respond = respond
        self.authenticator = authenticator
        self.admin = AdminHandlers(self)
        self._known_fields = {
            name: set(schema.get("properties", {})) for name, schema in schemas().items()
        }

    async def serve(self, request: Request, send: Send) -> None:
        if request.path.startswith(PREFIX + "/"):
            await send_response(send, await self.admin.respond(request))
        else:
            organization = await self._organization(request)
            if organization is None:
                await send_response(send, await self.respond(request))
                return
            with self.acting_for(organization):
                await self._serve_for(organization, request, send)

    async def _organization(self, request: Request) -> str | None:
        try:
            principal = await self.authenticator.authenticate(request.headers.get("authorization"))
        except Exception:
            # No organization: the request is served as usual, which answers any error itself.
            return None
        return principal.organization_id

    async def _serve_for(self, organization: str, request: Request, send: Send) -> None:
        started = time.perf_counter()
        method, path = request.method, request.path
        refused: ApiError | None = None
        try:
            body = await request.body()
        except ApiError as too_large:
            # Part of the body may be read already: answer here, as the handler would.
            body, refused = b"", too_large
        warnings = self._warnings(request, body) if self.mode(organization) == "loose" else []
        fault = self.faults.take(organization, method, path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        failure = (fault.error() if fault is not None else None) or refused
        dropped = fault is not None and fault.drop
        if fault is not None and fault.after and refused is None:
            # The request is served (and stored); only its answer is lost or replaced.
            await self.respond(request)
        if dropped:
            response = Response(b"", 0)
        elif failure is not None:
            response = error_response(failure)
        else:
            response = await self.respond(request)
        self.journal.record(organization, {
            "time": format_timestamp(self.clock.now()), "method": method, "path": path,
            "query": request.query_string.decode("latin-1"),
            "request_headers": visible_headers(request.headers), "request_body": body,
            "status": None if dropped else response.status,
            "response_headers": dict(response.headers),
            "response_body": response.body, "warnings": warnings,
            "fault": fault.document() if fault is not None else None,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        })  # fmt: skip
        if dropped:
            await _drop(send)
        await send_response(send, response)

    def _warnings(self, request: Request, body: bytes) -> list[str]:
        """Loose mode: name each body key Close would silently ignore."""
        document = decoded(body)
        if not isinstance(document, dict):
            return []
        try:
            match = self.app_router.match(request.method, request.path)
        except Exception:
            return []
        operation = OPERATIONS.get(match.handler.__qualname__)
        known = self._known_fields.get(operation.body or "", set()) if operation else set()
        if not known:
            return []
        return [f"unknown field {key!r} ignored" for key in document if key not in known]


async def _drop(send: Send) -> None:
    """Promise a body, send none, and cut: the client sees the connection fail mid-response."""
    headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    raise DroppedConnection("connection dropped by an injected fault")


__all__ = ["DroppedConnection", "Fault", "Toolkit", "tenant_aware"]
