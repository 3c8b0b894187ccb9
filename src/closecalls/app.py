"""build_app(settings) -> the ASGI application: routes, authentication, errors, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from closecalls.api.activities import ActivityHandlers
from closecalls.api.calls import CallHandlers
from closecalls.api.contacts import ContactHandlers
from closecalls.api.custom_fields import CustomFieldHandlers
from closecalls.api.events import EventHandlers
from closecalls.api.leads import LeadHandlers
from closecalls.api.openapi import with_openapi
from closecalls.api.outcomes import OutcomeHandlers
from closecalls.api.search import SearchHandlers
from closecalls.api.statuses import StatusHandlers
from closecalls.api.users import UserHandlers
from closecalls.api.webhooks import WebhookHandlers
from closecalls.domain.clock import Clock, SystemClock
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.ids import IdSource
from closecalls.http.auth import Authenticator
from closecalls.http.errors import ApiError, BadRequest, ServerError
from closecalls.http.ratelimit import RateLimiter
from closecalls.http.request import Request
from closecalls.http.responses import Response, error_response, send_response
from closecalls.http.router import Redirect, Router
from closecalls.services import Services
from closecalls.settings import Settings
from closecalls.store import create_store, rate_buckets
from closecalls.store.store import Store
from closecalls.web.pages import WebUI
from closecalls.webhooks.deliverer import Deliverer

if TYPE_CHECKING:
    from closecalls.toolkit.hook import Toolkit

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("closecalls")


class App:
    """The closecalls ASGI application."""

    def __init__(self, services: Services) -> None:
        self.services = services
        handlers = with_openapi(
            CallHandlers, ActivityHandlers, LeadHandlers, ContactHandlers, OutcomeHandlers,
            UserHandlers, EventHandlers, WebhookHandlers, SearchHandlers, StatusHandlers,
            CustomFieldHandlers,
        )  # fmt: skip
        self.router = Router([route for kind in handlers for route in kind(services).routes()])
        self.authenticator = Authenticator(
            services.store, services.clock, services.settings.auth_cache_seconds
        )
        settings = services.settings
        self.limiter = (
            RateLimiter(settings.limits(), rate_buckets(settings, services.store), services.clock)
            if settings.rate_limits
            else None
        )
        self.web = WebUI()
        self.toolkit = _toolkit(self)
        self._stop_delivering = asyncio.Event()
        self._delivering: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        await self.services.store.open()
        if self.services.settings.deliver_webhooks:
            self._stop_delivering.clear()
            deliverer = Deliverer(self.services)
            self._delivering = asyncio.create_task(deliverer.run(self._stop_delivering))

    async def shutdown(self) -> None:
        if self.limiter is not None:
            await self.limiter.buckets.close()
        if self._delivering is not None:
            self._stop_delivering.set()
            # A pass in flight may be waiting on a slow receiver: its claims come back
            # to the queue when their lease ends, so it need not be waited for long.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._delivering, 1.0)
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
        response = await self._respond(request)
        if request.rate_limit is not None and "ratelimit" not in response.headers:
            response.headers["ratelimit"] = request.rate_limit
        return response

    async def _respond(self, request: Request) -> Response:
        page = self.web.respond(request.method, request.path)
        if page is not None:
            return page
        try:
            await request.apply_method_override()
            match = self.router.match(request.method, request.path)
            request.path_params = match.params
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
        except Exception:
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
    return build_app(Settings.load())
