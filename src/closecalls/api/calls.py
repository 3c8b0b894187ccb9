"""`/api/v1/activity/call/`: log, read, change, delete and list call activities."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec

from closecalls.api.listing import list_response, project_document
from closecalls.domain import calls
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.listing import parse_call_list
from closecalls.domain.principal import Principal
from closecalls.domain.projection import parse_fields
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import BadRequest, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.store.base import ActivityRow

_decode = msgspec.json.Decoder().decode


def call_row(call: dict[str, Any], document: bytes) -> ActivityRow:
    """The indexed columns of a call document."""
    return ActivityRow(
        id=call["id"],
        organization_id=call["organization_id"],
        type=calls.CALL_TYPE,
        lead_id=call["lead_id"],
        contact_id=call["contact_id"],
        user_id=call["user_id"],
        date_created=to_micros(parse_timestamp(call["date_created"])),
        activity_at=to_micros(parse_timestamp(call["activity_at"])),
        document=document,
    )


class CallHandlers:
    """Handlers for the Calls resource."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/activity/call/", {"GET": self.list, "POST": self.create}),
            Route(
                "/api/v1/activity/call/{call_id}/",
                {"GET": self.get, "PUT": self.update, "DELETE": self.delete},
            ),
        ]

    async def _user_names(self, caller: Principal, body: dict[str, Any]) -> dict[str, str]:
        """Display names of the caller and of every user the body names, if they exist."""
        names = {caller.user_id: caller.user_name}
        wanted = calls.referenced_user_ids(body) - names.keys()
        if wanted:
            for user in await self.services.store.users_by_id(caller.organization_id, wanted):
                names[user.id] = user.display_name
        return names

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        user_names = await self._user_names(caller, body)
        try:
            cleaned = calls.validate_create(
                body, phone_region=self.services.settings.phone_region, user_names=user_names
            )
        except ValidationFailed as failure:
            raise BadRequest.from_validation(failure) from None
        call = calls.new_call(
            cleaned,
            call_id=self.services.ids.new("acti"),
            now=self.services.clock.now(),
            principal=caller,
            user_names=user_names,
        )
        document = encode_json(call)
        await self.services.store.insert_activity(call_row(call, document))
        return Response(document)

    async def get(self, request: Request) -> Response:
        document = await self.services.store.get_activity(
            request.caller.organization_id, calls.CALL_TYPE, request.path_params["call_id"]
        )
        if document is None:
            raise object_not_found("Call")
        selection = parse_fields(request.query.get("_fields"))
        if selection is None:
            return Response(document)
        return json_response(project_document(document, selection, calls.OPTIONAL_FIELDS))

    async def update(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        user_names = await self._user_names(caller, body)
        try:
            cleaned = calls.validate_update(
                body, phone_region=self.services.settings.phone_region, user_names=user_names
            )
        except ValidationFailed as failure:
            raise BadRequest.from_validation(failure) from None
        now = self.services.clock.now()

        def change(stored: bytes) -> ActivityRow:
            updated = calls.apply_update(
                _decode(stored), cleaned, now=now, principal=caller, user_names=user_names
            )
            return call_row(updated, encode_json(updated))

        document = await self.services.store.update_activity(
            caller.organization_id, calls.CALL_TYPE, request.path_params["call_id"], change
        )
        if document is None:
            raise object_not_found("Call")
        return Response(document)

    async def delete(self, request: Request) -> Response:
        deleted = await self.services.store.delete_activity(
            request.caller.organization_id, calls.CALL_TYPE, request.path_params["call_id"]
        )
        if not deleted:
            raise object_not_found("Call")
        return Response(b"{}")

    async def list(self, request: Request) -> Response:
        query = parse_call_list(request.query, tz_offset=request.headers.get("x-tz-offset"))
        if query.types is not None and calls.CALL_TYPE not in query.types:
            return Response(b'{"data":[],"has_more":false}')
        query = replace(query, types=(calls.CALL_TYPE,))
        documents, has_more = await self.services.store.list_activities(
            request.caller.organization_id, query
        )
        selection = parse_fields(request.query.get("_fields"))
        return list_response(documents, has_more, selection, calls.OPTIONAL_FIELDS)
