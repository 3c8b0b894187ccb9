"""`/api/v1/activity/call/`: log and read call activities."""

from __future__ import annotations

from closecalls.domain import calls
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import BadRequest, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.store.base import ActivityRow


class CallHandlers:
    """Handlers for the Calls resource."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/activity/call/", {"POST": self.create}),
            Route("/api/v1/activity/call/{call_id}/", {"GET": self.get}),
        ]

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        store = self.services.store
        user_names = {caller.user_id: caller.user_name}
        wanted = calls.referenced_user_ids(body) - user_names.keys()
        if wanted:
            for user in await store.users_by_id(caller.organization_id, wanted):
                user_names[user.id] = user.display_name
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
        await store.insert_activity(
            ActivityRow(
                id=call["id"],
                organization_id=caller.organization_id,
                type=calls.CALL_TYPE,
                lead_id=call["lead_id"],
                contact_id=call["contact_id"],
                user_id=call["user_id"],
                date_created=to_micros(parse_timestamp(call["date_created"])),
                activity_at=to_micros(parse_timestamp(call["activity_at"])),
                document=document,
            )
        )
        return Response(document)

    async def get(self, request: Request) -> Response:
        document = await self.services.store.get_activity(
            request.caller.organization_id, calls.CALL_TYPE, request.path_params["call_id"]
        )
        if document is None:
            raise object_not_found("Call")
        return Response(document)
