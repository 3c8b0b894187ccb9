"""`/api/v1/me/`, `/api/v1/user/` and `/api/v1/organization/{id}/`."""

from __future__ import annotations

from typing import Any

from closecalls.api.handlers import Handlers
from closecalls.api.objects import decode
from closecalls.api.statuses import lead_statuses
from closecalls.domain import organizations, statuses
from closecalls.domain.listing import MAX_LIMITS, parse_limit, parse_skip
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
        "last_used_timezone": None,
        "email_verified_at": None,
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
            Route(
                "/api/v1/organization/{organization_id}/",
                {"GET": self.organization, "PUT": self.update_organization},
            ),
        ]

    async def _memberships(self, organization_id: str, *, nested: bool) -> list[dict[str, Any]]:
        store = self.services.store
        users, _ = await store.list_users(organization_id, limit=100_000, skip=0)
        owner = await store.organization_owner(organization_id)
        return [
            organizations.membership(
                user_document(user), organization_id=organization_id, nested_user=nested,
                role=organizations.ADMIN if owner and user.id == owner.id else organizations.USER,
            )
            for user in users
        ]  # fmt: skip

    async def _organization(self, organization: Organization, *, nested: bool) -> dict[str, Any]:
        store = self.services.store
        organization_id = organization.id
        fields = await store.list_custom_fields(organization_id, "lead", limit=10_000, skip=0)
        return organizations.organization(
            organization_document(organization),
            currency=await store.organization_currency(organization_id),
            memberships=await self._memberships(organization_id, nested=nested),
            lead_statuses=[status.document() for status in
                           await lead_statuses(store, organization_id)],
            lead_custom_fields=[decode(document) for document in fields[0]],
        )  # fmt: skip

    async def me(self, request: Request) -> Response:
        caller = request.caller
        store = self.services.store
        users = await store.users_by_id(caller.organization_id, [caller.user_id])
        organization = await store.get_organization(caller.organization_id, caller.organization_id)
        if not users or organization is None:
            raise object_not_found("User")
        document = user_document(users[0])
        # Close's /me/ embeds the organizations; scripts read ['organizations'][0]['name'].
        document["organizations"] = [await self._organization(organization, nested=False)]
        memberships = await self._memberships(caller.organization_id, nested=False)
        document["memberships"] = [
            item for item in memberships if item["user_id"] == caller.user_id
        ]
        return json_response(_selected(document, parse_fields(request.query.get("_fields"))))

    async def list(self, request: Request) -> Response:
        limit = parse_limit(request.query, maximum=MAX_LIMITS["user"])
        skip = parse_skip(request.query)
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

    async def _own_organization(self, request: Request) -> Organization:
        organization = await self.services.store.get_organization(
            request.caller.organization_id, request.path_params["organization_id"]
        )
        if organization is None:
            raise object_not_found("Organization")
        return organization

    async def organization(self, request: Request) -> Response:
        nested = organizations.parse_expand(request.query.get("_expand"))
        organization = await self._own_organization(request)
        document = await self._organization(organization, nested=nested)
        selection = parse_fields(request.query.get("_fields"))
        return json_response(_selected(document, selection))

    async def update_organization(self, request: Request) -> Response:
        body = await request.json_object()
        organization = await self._own_organization(request)
        cleaned = organizations.validate_update(body)
        store = self.services.store
        organization_id = organization.id
        if "lead_statuses" in cleaned:
            wanted = cleaned["lead_statuses"]
            await store.reorder_lead_statuses(
                organization_id, statuses.defaults(organization_id),
                lambda existing: statuses.reordered(existing, wanted),
            )  # fmt: skip
        if "name" in cleaned or "currency" in cleaned:
            await store.update_organization(
                organization_id, name=cleaned.get("name"), currency=cleaned.get("currency")
            )
        return await self.organization(request)
