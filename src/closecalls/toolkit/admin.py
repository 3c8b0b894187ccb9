"""The admin API under /_closecalls/: organizations, keys, seed data, time, ids, journal, faults.

These routes are not Close's, so they are left out of the public OpenAPI document: a client
generated from it must only see what Close serves. docs/api.md lists them.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from closecalls import accounts
from closecalls.api.users import organization_document, user_document
from closecalls.domain.principal import Principal
from closecalls.domain.times import format_timestamp, parse_timestamp
from closecalls.http.errors import ApiError, BadRequest, Unauthorized, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, error_response, json_response
from closecalls.http.router import Route, Router
from closecalls.store.rows import Organization
from closecalls.toolkit.faults import STATUSES
from closecalls.toolkit.seed import Seeder, parse_seed
from closecalls.toolkit.state import ToolkitState

PREFIX = "/_closecalls"
ORG = PREFIX + "/organizations/{organization_id}"


def admin_token_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = body.get(key, default)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{key}: Value must be of str type.", field_errors={key: "str"})
    return value


def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BadRequest(
            f"{key}: a number of at least 0 is required.", field_errors={key: "number >= 0"}
        )
    return float(value)


class AdminHandlers:
    """Each handler acts on one organization, named in the path, never on the caller's."""

    def __init__(self, toolkit: ToolkitState) -> None:
        self.toolkit = toolkit
        self.services = toolkit.services
        self.router = Router(self.routes())

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX + "/organizations/", {"POST": self.create_organization}),
            Route(ORG + "/", {"GET": self.get_organization}),
            Route(ORG + "/users/", {"POST": self.create_user}),
            Route(ORG + "/keys/", {"POST": self.create_key}),
            Route(ORG + "/reset/", {"POST": self.reset}),
            Route(ORG + "/seed/", {"POST": self.seed}),
            Route(
                ORG + "/clock/",
                {"GET": self.get_clock, "PUT": self.set_clock, "DELETE": self.release_clock},
            ),
            Route(ORG + "/clock/advance/", {"POST": self.advance_clock}),
            Route(ORG + "/ids/", {"PUT": self.seed_ids}),
            Route(ORG + "/mode/", {"PUT": self.set_mode}),
            Route(ORG + "/journal/", {"GET": self.journal, "DELETE": self.clear_journal}),
            Route(
                ORG + "/faults/",
                {"GET": self.faults, "POST": self.add_fault, "DELETE": self.clear_faults},
            ),
        ]

    async def respond(self, request: Request) -> Response:
        """Check the admin token, route and run; errors in Close's envelope like the rest."""
        try:
            token = self.services.settings.admin_token
            if not token or not admin_token_matches(request.headers.get("authorization"), token):
                raise Unauthorized()
            match = self.router.match(request.method, request.path)
            request.path_params = match.params
            return await match.handler(request)
        except ApiError as error:
            return error_response(error)

    async def _organization(self, request: Request) -> Organization:
        wanted = request.path_params["organization_id"]
        organization = await self.services.store.get_organization(wanted, wanted)
        if organization is None:
            raise object_not_found("Organization")
        return organization

    async def _body(self, request: Request) -> dict[str, Any]:
        return await request.json_object() if await request.body() else {}

    # Organizations, users and keys ------------------------------------------------------
    async def create_organization(self, request: Request) -> Response:
        body = await self._body(request)
        services = self.services
        tenant = await accounts.create_organization(
            services.store, name=_text(body, "name", "closecalls") or "closecalls",
            clock=services.clock, ids=services.ids,
            first_name=_text(body, "first_name", "API") or "API",
            last_name=_text(body, "last_name", "User") or "",
            email=_text(body, "email"),
        )  # fmt: skip
        return json_response({
            "organization": organization_document(tenant.organization),
            "user": user_document(tenant.user), "api_key": tenant.api_key,
        }, 201)  # fmt: skip

    async def get_organization(self, request: Request) -> Response:
        organization = await self._organization(request)
        toolkit = self.toolkit
        return json_response({
            **organization_document(organization),
            "clock": self._clock_document(organization.id),
            "mode": toolkit.mode(organization.id),
            "ids_seed": toolkit.ids.seed_of(organization.id),
            "faults": len(toolkit.faults.pending(organization.id)),
            "journal": len(toolkit.journal.entries(organization.id, {})),
        })  # fmt: skip

    async def create_user(self, request: Request) -> Response:
        organization = await self._organization(request)
        body = await self._body(request)
        first_name, last_name = _text(body, "first_name"), _text(body, "last_name", "")
        if not first_name:
            raise BadRequest("first_name: This field is required.",
                             field_errors={"first_name": "This field is required."})  # fmt: skip
        services = self.services
        user = await accounts.create_user(
            services.store, organization_id=organization.id, first_name=first_name,
            last_name=last_name or "", email=_text(body, "email"), clock=services.clock,
            ids=services.ids,
        )  # fmt: skip
        key = await accounts.create_api_key(services.store, user=user, clock=services.clock)
        return json_response({"user": user_document(user), "api_key": key}, 201)

    async def create_key(self, request: Request) -> Response:
        organization = await self._organization(request)
        body = await self._body(request)
        store = self.services.store
        user_id = _text(body, "user_id")
        if user_id is None:
            user = await store.organization_owner(organization.id)
        else:
            found = await store.users_by_id(organization.id, [user_id])
            user = found[0] if found else None
        if user is None:
            raise object_not_found("User")
        key = await accounts.create_api_key(store, user=user, clock=self.services.clock)
        return json_response({"user_id": user.id, "api_key": key}, 201)

    # Data -------------------------------------------------------------------------------
    async def reset(self, request: Request) -> Response:
        """Delete the organization's data and forget its time, ids, mode, journal and faults."""
        organization = await self._organization(request)
        await self.services.store.reset_organization(organization.id)
        self.toolkit.forget(organization.id)
        return json_response({})

    async def seed(self, request: Request) -> Response:
        organization = await self._organization(request)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        data = parse_seed(await request.body(), media_type)
        owner = await self.services.store.organization_owner(organization.id)
        if owner is None:
            raise object_not_found("User")
        principal = Principal(organization.id, owner.id, owner.display_name, "admin")
        seeder = Seeder(self.services, self.toolkit.app_router, principal)
        with self.toolkit.acting_for(organization.id):
            return json_response(await seeder.load(data), 201)

    # Time and ids -----------------------------------------------------------------------
    def _clock_document(self, organization_id: str) -> dict[str, Any]:
        clock = self.toolkit.clock
        return {
            "now": format_timestamp(clock.now_for(organization_id)),
            "frozen": clock.is_frozen(organization_id),
        }

    async def get_clock(self, request: Request) -> Response:
        organization = await self._organization(request)
        return json_response(self._clock_document(organization.id))

    async def set_clock(self, request: Request) -> Response:
        """Set the organization's time; frozen (the default) means it moves only when told."""
        organization = await self._organization(request)
        body = await self._body(request)
        text, frozen = _text(body, "now"), body.get("frozen", True)
        try:
            moment = parse_timestamp(text or "")
        except (ValueError, OverflowError):
            message = "Invalid ISO 8601 datetime."
            raise BadRequest(f"now: {message}", field_errors={"now": message}) from None
        if not isinstance(frozen, bool):
            raise BadRequest("frozen: Value must be of bool type.", field_errors={"frozen": "bool"})
        self.toolkit.clock.set(organization.id, moment, frozen=frozen)
        return json_response(self._clock_document(organization.id))

    async def advance_clock(self, request: Request) -> Response:
        organization = await self._organization(request)
        seconds = _number(await self._body(request), "seconds")
        self.toolkit.clock.advance(organization.id, timedelta(seconds=seconds))
        return json_response(self._clock_document(organization.id))

    async def release_clock(self, request: Request) -> Response:
        organization = await self._organization(request)
        self.toolkit.clock.forget(organization.id)
        return json_response(self._clock_document(organization.id))

    async def seed_ids(self, request: Request) -> Response:
        """New ids of this organization come from a random stream seeded with `seed`."""
        organization = await self._organization(request)
        seed = (await self._body(request)).get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise BadRequest("seed: Value must be of int type.", field_errors={"seed": "int"})
        self.toolkit.ids.seed(organization.id, seed)
        return json_response({"seed": seed})

    async def set_mode(self, request: Request) -> Response:
        organization = await self._organization(request)
        mode = _text(await self._body(request), "mode")
        if mode not in ("strict", "loose"):
            raise BadRequest("mode: strict or loose.", field_errors={"mode": "Not a valid choice."})
        self.toolkit.modes[organization.id] = mode
        return json_response({"mode": mode})

    # Journal and faults -----------------------------------------------------------------
    async def journal(self, request: Request) -> Response:
        organization = await self._organization(request)
        entries = self.toolkit.journal.entries(organization.id, request.query)
        return json_response({"data": entries})

    async def clear_journal(self, request: Request) -> Response:
        organization = await self._organization(request)
        self.toolkit.journal.clear(organization.id)
        return json_response({})

    async def faults(self, request: Request) -> Response:
        organization = await self._organization(request)
        pending = self.toolkit.faults.pending(organization.id)
        return json_response({"data": [fault.document() for fault in pending]})

    async def add_fault(self, request: Request) -> Response:
        """The next `times` requests matching `method` and `path` (a glob) fail or stall."""
        organization = await self._organization(request)
        body = await self._body(request)
        status, drop = body.get("status"), body.get("drop", False)
        if status is not None and status not in STATUSES:
            raise BadRequest("status: one of 429, 500, 502, 503.",
                             field_errors={"status": "Not a valid choice."})  # fmt: skip
        after = body.get("after", False)
        for name, flag in (("drop", drop), ("after", after)):
            if not isinstance(flag, bool):
                raise BadRequest(
                    f"{name}: Value must be of bool type.", field_errors={name: "bool"}
                )
        delay = _number(body, "delay", 0)
        if status is None and not drop and not delay:
            raise BadRequest("A fault needs a status, a delay or drop.",
                             errors=["A fault needs a status, a delay or drop."])  # fmt: skip
        times = _number(body, "times", 1)
        fault = self.toolkit.faults.add(
            organization.id,
            method=(_text(body, "method", "*") or "*").upper(),
            path=_text(body, "path", "*") or "*",
            times=max(1, int(times)),
            status=status,
            delay=delay,
            drop=drop,
            retry_after=max(1, int(_number(body, "retry_after", 1))),
            after=after,
        )
        return json_response(fault.document(), 201)

    async def clear_faults(self, request: Request) -> Response:
        organization = await self._organization(request)
        self.toolkit.faults.clear(organization.id)
        return json_response({})
