"""`/api/v1/status/lead/`: the organization's lead statuses, in order."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from closecalls.api.handlers import Handlers, resource_routes
from closecalls.api.objects import respond, respond_page
from closecalls.api.recording import EventRecorder
from closecalls.domain import statuses
from closecalls.domain.principal import Principal
from closecalls.domain.statuses import LeadStatus
from closecalls.domain.times import to_micros
from closecalls.http.errors import BadRequest, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.store.events import EventRow
from closecalls.store.rows import ActivityRow
from closecalls.store.store import Store

_decode = msgspec.json.Decoder().decode


async def lead_statuses(store: Store, organization_id: str) -> list[LeadStatus]:
    """The organization's statuses in order, the first being the default."""
    return await store.lead_statuses(organization_id) or statuses.defaults(organization_id)


def relabel(document: bytes, status_id: str, label: str) -> bytes | None:
    """A lead document with its status label renamed (None if it has another status)."""
    lead = _decode(document)
    if lead.get("status_id") != status_id:
        return None
    return encode_json({**lead, "status_label": label})


def status_change_recorder(
    services: Services, caller: Principal, recorder: EventRecorder
) -> Callable[[bytes, bytes], tuple[ActivityRow, list[EventRow]] | None]:
    """What a lead update writes beside itself: a LeadStatusChange when its status changed."""
    activity_id, now = services.ids.new("acti"), services.clock.now()

    def caused(before: bytes, after: bytes) -> tuple[ActivityRow, list[EventRow]] | None:
        activity = statuses.status_change(
            _decode(before), _decode(after), activity_id=activity_id, now=now, principal=caller
        )
        if activity is None:
            return None
        document = encode_json(activity)
        moment = to_micros(now)
        row = ActivityRow(
            id=activity_id, organization_id=caller.organization_id,
            type=statuses.STATUS_CHANGE_TYPE, lead_id=activity["lead_id"], contact_id=None,
            user_id=caller.user_id, date_created=moment, activity_at=moment, document=document,
        )  # fmt: skip
        events = recorder.created(statuses.STATUS_CHANGE_TYPE, activity_id, activity["lead_id"],
                                  document)  # fmt: skip
        return row, events

    return caused


def _count_users(status_id: str):  # type: ignore[no-untyped-def]
    def count(documents: list[bytes]) -> int:
        return sum(1 for document in documents if _decode(document).get("status_id") == status_id)

    return count


class StatusHandlers(Handlers):
    """List, create, rename and delete lead statuses."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/status/lead/", "status_id", self)

    async def list(self, request: Request) -> Response:
        found = await lead_statuses(self.services.store, request.caller.organization_id)
        return respond_page(request, [status.document() for status in found], False)

    async def get(self, request: Request) -> Response:
        found = await lead_statuses(self.services.store, request.caller.organization_id)
        status_id = request.path_params["status_id"]
        for status in found:
            if status.id == status_id:
                return respond(request, status.document())
        raise object_not_found("LeadStatus")

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        organization_id = request.caller.organization_id
        store = self.services.store
        existing = await lead_statuses(store, organization_id)
        cleaned = statuses.validate(body, existing=existing, creating=True)
        status = LeadStatus(self.services.ids.new("stat"), organization_id, cleaned["label"],
                            cleaned.get("color"), len(existing))  # fmt: skip
        saved = await store.save_lead_status(
            organization_id, statuses.defaults(organization_id), status, relabel=relabel
        )
        return respond(request, saved.document())

    async def update(self, request: Request) -> Response:
        body = await request.json_object()
        organization_id = request.caller.organization_id
        store = self.services.store
        status_id = request.path_params["status_id"]
        existing = await lead_statuses(store, organization_id)
        before = next((status for status in existing if status.id == status_id), None)
        if before is None:
            raise object_not_found("LeadStatus")
        cleaned = statuses.validate(body, existing=existing, creating=False, own_id=status_id)
        status = LeadStatus(before.id, organization_id, cleaned.get("label") or before.label,
                            cleaned.get("color", before.color), before.position)  # fmt: skip
        saved = await store.save_lead_status(
            organization_id, statuses.defaults(organization_id), status, relabel=relabel
        )
        return respond(request, saved.document())

    async def delete(self, request: Request) -> Response:
        organization_id = request.caller.organization_id
        status_id = request.path_params["status_id"]
        outcome, users = await self.services.store.delete_lead_status(
            organization_id, statuses.defaults(organization_id), status_id,
            in_use=_count_users(status_id),
        )  # fmt: skip
        if outcome == "missing":
            raise object_not_found("LeadStatus")
        if outcome == "in_use":
            raise BadRequest(
                f"This status is used by {users} lead(s); give them another status first."
            )
        if outcome == "last":
            raise BadRequest("An organization needs at least one lead status.")
        return Response(b"{}")
