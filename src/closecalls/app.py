"""build_app(settings) -> the ASGI application: routes, authentication, errors, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from closecalls import logs
from closecalls.api.activities import ActivityHandlers
from closecalls.api.calls import CallHandlers
from closecalls.api.contacts import ContactHandlers
from closecalls.api.custom_fields import CustomFieldHandlers
from closecalls.api.events import EventHandlers
from closecalls.api.leads import LeadHandlers
from closecalls.api.meetings import MeetingHandlers
from closecalls.api.notes import NoteHandlers
from closecalls.api.oauth import OAuthHandlers
from closecalls.api.openapi import with_openapi
from closecalls.api.outcomes import OutcomeHandlers
from closecalls.api.search import SearchHandlers
from closecalls.api.sms import SmsHandlers
from closecalls.api.statuses import StatusHandlers
from closecalls.api.tasks import TaskHandlers
from closecalls.api.users import UserHandlers
from closecalls.api.webhooks import WebhookHandlers
from closecalls.domain.clock import Clock, SystemClock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource, RandomBlocks
from closecalls.http.auth import Authenticator
from closecalls.http.errors import ApiError, BadRequest, ServerError, ServiceUnavailable
from closecalls.http.health import HealthHandlers
from closecalls.http.metrics import MetricsHandlers
from closecalls.http.ratelimit import RateLimiter
from closecalls.http.request import Request
from closecalls.http.responses import Response, error_response, send_response
from closecalls.http.router import Redirect, Router
from closecalls.services import Services
from closecalls.settings import Settings
from closecalls.store import create_store, rate_buckets
from closecalls.store.store import Store
from closecalls.store.unavailable import RETRY_AFTER_SECONDS, is_unavailable
from closecalls.web.pages import WebUI
from closecalls.webhooks.deliverer import Deliverer

if TYPE_CHECKING:
    from closecalls.toolkit.hook import Toolkit

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("closecalls")
access_log = logging.getLogger("closecalls.access")
_ACCESS = access_log.name
# A caller's own request id is echoed when it is short and plain; otherwise we make one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Container allocations (net of frees) between young collections; Python's default is 700.
YOUNG_COLLECTION_THRESHOLD = 7_000
# What recording a delivery pass may take after its last attempt, at shutdown.
DRAIN_MARGIN_SECONDS = 2.0


# Request ids are 8 random bytes in hex, as `secrets.token_hex(8)` made them, from the same
# source (`os.urandom`) but drawn a block at a time.
_request_bytes = RandomBlocks(os.urandom)


def _new_request_id() -> str:
    return _request_bytes.take(8).hex()


class App:
    """The closecalls ASGI application."""

    def __init__(self, services: Services) -> None:
        self.services = services
        handlers = with_openapi(
            CallHandlers, ActivityHandlers, LeadHandlers, ContactHandlers, OutcomeHandlers,
            UserHandlers, EventHandlers, WebhookHandlers, SmsHandlers, NoteHandlers,
            MeetingHandlers, TaskHandlers, SearchHandlers, StatusHandlers, CustomFieldHandlers,
        )  # fmt: skip
        routes = [route for kind in handlers for route in kind(services).routes()]
        # Close's OAuth endpoints sit at the host's root, outside /api/v1/ and its document.
        self.router = Router([*routes, *OAuthHandlers(services).routes()])
        # Probes and metrics live outside /api/v1/ and Close's routing rules: exact paths.
        operations = (
            (HealthHandlers, MetricsHandlers) if services.settings.metrics else (HealthHandlers,)
        )
        self.operations = {
            route.path: route for kind in operations for route in kind(services).routes()
        }
        self.authenticator = Authenticator(
            services.store, services.clock, services.settings.auth_cache_seconds
        )
        settings = services.settings
        self.limiter = (
            RateLimiter(
                settings.limits(),
                rate_buckets(settings, services.store),
                services.clock,
                refused=services.metrics.rate_limited,
            )
            if settings.rate_limits
            else None
        )
        self.web = WebUI()
        self._access_log = access_log.isEnabledFor(logging.INFO)
        self._observe = services.metrics.observe_request if settings.metrics else None
        self.toolkit = _toolkit(self)
        self._stop_delivering = asyncio.Event()
        self._delivering: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        await self.services.store.open()
        self.services.store.db.observe_commits(self.services.metrics.observe_commit)
        if self.services.settings.deliver_webhooks:
            self._stop_delivering.clear()
            deliverer = Deliverer(self.services)
            self._delivering = asyncio.create_task(deliverer.run(self._stop_delivering))

    async def shutdown(self) -> None:
        if self.limiter is not None:
            await self.limiter.buckets.close()
        if self._delivering is not None:
            self._stop_delivering.set()
            # A pass in flight ends within the webhook timeout (each attempt's bound) and
            # then records its attempts: waited for that long, a delivery the receiver
            # answered is never sent again after a restart (a cut-short pass was, under
            # load). Only a pass stuck past that is abandoned; its claims come back when
            # their lease ends.
            drain = self.services.settings.webhook_timeout_seconds + DRAIN_MARGIN_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._delivering, drain)
            self._delivering = None
        await self.services.store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive, self.services.settings.max_body_bytes)
            if self.toolkit is not None:
                await self.toolkit.serve(request, send)
            else:
                await send_response(send, await self.respond(request))
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def respond(self, request: Request) -> Response:
        """Route, authenticate, count and run the handler; failures become Close's envelope."""
        started = time.perf_counter()
        response = await self._respond(request)
        if request.rate_limit is not None and "ratelimit" not in response.headers:
            response.headers["ratelimit"] = request.rate_limit
        seconds = time.perf_counter() - started
        if self._observe is not None:
            self._observe(request.route, request.method, response.status, seconds)
        if self._access_log:
            self._log_access(request, response, seconds)
        return response

    def _log_access(self, request: Request, response: Response, seconds: float) -> None:
        """One line per request, with its id (echoed in `x-request-id`); never a credential."""
        given = request.headers.get("x-request-id")
        request_id = given if given and _REQUEST_ID.fullmatch(given) else _new_request_id()
        response.headers["x-request-id"] = request_id
        # The record is made here rather than by `access_log.info`, which would walk the
        # stack to find this line (a third of a GET's logging cost, for a field no format
        # of ours prints); handlers, filters and formatters see the same record.
        record = access_log.makeRecord(
            _ACCESS, logging.INFO, __file__, 0, "%s %s %d %.1fms %s",
            (request.method, request.path, response.status, seconds * 1000, request_id),
            None, "_log_access", {
                "method": request.method, "path": request.path, "route": request.route,
                "status": response.status, "duration_ms": round(seconds * 1000, 3),
                "request_id": request_id,
            },
        )  # fmt: skip
        access_log.handle(record)

    async def _respond(self, request: Request) -> Response:
        page = self.web.respond(request.method, request.path)
        if page is not None:
            request.route = "(page)"
            return page
        operation = self.operations.get(request.path)
        if operation is not None and request.method in operation.methods:
            request.route = operation.path
            return await operation.methods[request.method](request)
        try:
            if "x-http-method-override" in request.headers:
                await request.apply_method_override()
            match = self.router.match(request.method, request.path)
            request.path_params = match.params
            request.route = match.route.path
            if not match.route.public:
                principal = request.principal = await self.authenticator.authenticate(
                    request.headers.get("authorization")
                )
                if self.limiter is not None:
                    decision = await self.limiter.check(principal, request.method, request.path)
                    request.rate_limit = decision.header()
            return await match.handler(request)
        except Redirect as redirect:
            location = redirect.location
            if request.query_string:
                location += "?" + request.query_string.decode("latin-1")
            return Response(b"", 308, {"location": location})
        except ApiError as error:
            return error_response(error)
        except ValidationFailed as failure:
            return error_response(BadRequest.from_validation(failure))
        except Exception as error:
            if is_unavailable(error):
                log.warning("database unavailable on %s %s: %s", request.method, request.path,
                            error)  # fmt: skip
                return error_response(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))
            log.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(ServerError())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _toolkit(app: App) -> Toolkit | None:
    """The testing toolkit (admin API, journal, faults), loaded only when it is turned on."""
    if not app.services.settings.admin_token:
        return None
    from closecalls.toolkit.hook import Toolkit

    return Toolkit(app.services, app.router, app.respond, app.authenticator)


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    ids: IdSource | None = None,
) -> App:
    """The application for these settings; tests inject the clock, ids or store."""
    # A create allocates a few hundred objects the cyclic collector tracks; with a hundred
    # requests in flight the default young threshold (700) ran a collection every 14
    # creates, each walking every live request, and every tenth of those the older heap:
    # 40 µs of CPU a create, all on the event loop. Ten times the threshold collects about
    # once per 1,000 creates (docs/performance.md, "Validation and the event loop's share").
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    clock = clock or SystemClock()
    if settings.admin_token:
        from closecalls.toolkit.hook import tenant_aware

        # Each organization's time and ids can then be set through the admin API.
        clock, ids = tenant_aware(clock, ids)
    services = Services(
        settings=settings,
        store=store or create_store(settings),
        clock=clock,
        ids=ids or IdSource(clock),
    )
    return App(services)


def app_from_environment() -> App:
    """The application for the CLOSECALLS_* environment: what each `serve` worker runs."""
    settings = Settings.load()
    logs.configure(settings.log_level, settings.log_format)
    app = build_app(settings)
    # What the imports and the application built lives as long as the process: frozen, a
    # full collection no longer walks it. Under creates at 64 connections a full collection
    # took 35 ms on average (59 ms at most) before and 5 (13) after: a request's tail.
    gc.collect()
    gc.freeze()
    return app
