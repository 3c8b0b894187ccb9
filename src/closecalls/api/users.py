"""`/api/v1/me/`, `/api/v1/user/` and `/api/v1/organization/{id}/`."""

from __future__ import annotations

from typing import Any

from closecalls.api.handlers import Handlers
from closecalls.domain.listing import parse_limit, parse_skip
from closecalls.domain.projection import FieldSelection, parse_fields
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Route
from closecalls.store.rows import Organization, User


def user_document(user: User) -> dict[str, Any]:
    """A user as Close's User object has it."""
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "image": None,
        "organizations": [user.organization_id],
        "date_created": user.date_created,
        "date_updated": user.date_created,
    }


def organization_document(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.id,
        "name": organization.name,
        "date_created": organization.date_created,
        "date_updated": organization.date_created,
    }


def _selected(document: dict[str, Any], selection: FieldSelection | None) -> dict[str, Any]:
    return document if selection is None else selection.apply(document, ())


class UserHandlers(Handlers):
    """The caller, the organization's users and the organization itself."""

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/me/", {"GET": self.me}),
            Route("/api/v1/user/", {"GET": self.list}),
            Route("/api/v1/user/{user_id}/", {"GET": self.get}),
            Route("/api/v1/organization/{organization_id}/", {"GET": self.organization}),
        ]

    async def me(self, request: Request) -> Response:
        caller = request.caller
        store = self.services.store
        users = await store.users_by_id(caller.organization_id, [caller.user_id])
        organization = await store.get_organization(caller.organization_id, caller.organization_id)
        if not users or organization is None:
            raise object_not_found("User")
        document = user_document(users[0])
        # Close's /me/ embeds the organizations; scripts read ['organizations'][0]['name'].
        document["organizations"] = [organization_document(organization)]
        return json_response(_selected(document, parse_fields(request.query.get("_fields"))))

    async def list(self, request: Request) -> Response:
        limit, skip = parse_limit(request.query), parse_skip(request.query)
        users, has_more = await self.services.store.list_users(
            request.caller.organization_id, limit=limit, skip=skip
        )
        selection = parse_fields(request.query.get("_fields"))
        data = [_selected(user_document(user), selection) for user in users]
        return Response(encode_json({"data": data, "has_more": has_more}))

    async def get(self, request: Request) -> Response:
        users = await self.services.store.users_by_id(
            request.caller.organization_id, [request.path_params["user_id"]]
        )
        if not users:
            raise object_not_found("User")
        selection = parse_fields(request.query.get("_fields"))
        return json_response(_selected(user_document(users[0]), selection))

    async def organization(self, request: Request) -> Response:
        organization = await self.services.store.get_organization(
            request.caller.organization_id, request.path_params["organization_id"]
        )
        if organization is None:
            raise object_not_found("Organization")
        selection = parse_fields(request.query.get("_fields"))
        return json_response(_selected(organization_document(organization), selection))
