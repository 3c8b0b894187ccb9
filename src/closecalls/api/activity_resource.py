"""One resource per activity type (`/activity/<type>/`), each served by the same code paths."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import msgspec

from closecalls.api.handlers import Handlers, deleted
from closecalls.api.idempotency import idempotently
from closecalls.api.listing import list_response, project_document, visible_document
from closecalls.api.recording import EventRecorder
from closecalls.domain.activity import (
    ActivityType,
    ReferencedIds,
    References,
    assumed_references,
    referenced_ids,
)
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.idempotency import IdempotencyKey
from closecalls.domain.listing import parse_call_list
from closecalls.domain.principal import Principal
from closecalls.domain.projection import parse_fields
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import Conflict, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Handler, Route
from closecalls.services import Services
from closecalls.store.activities import ReferencesMissing
from closecalls.store.rows import ActivityRow
from closecalls.store.store import Store

_decode = msgspec.json.Decoder().decode
# A PUT re-reads and re-checks the activity this many times if its contact moves under it.
UPDATE_ATTEMPTS = 3


class _ContactMoved(Exception):
    """The activity's contact changed after its references were checked: check them again."""


def activity_row(activity: dict[str, Any], document: bytes) -> ActivityRow:
    """The indexed columns of an activity document."""
    return ActivityRow(
        id=activity["id"],
        organization_id=activity["organization_id"],
        type=activity["_type"],
        lead_id=activity["lead_id"],
        contact_id=activity["contact_id"],
        user_id=activity["user_id"],
        date_created=to_micros(parse_timestamp(activity["date_created"])),
        activity_at=to_micros(parse_timestamp(activity["activity_at"])),
        document=document,
    )


async def look_up_references(store: Store, caller: Principal, wanted: ReferencedIds) -> References:
    """What the caller's organization holds of the ids `wanted` names: one query per table."""
    organization_id = caller.organization_id
    users = {caller.user_id: caller.user_name}
    if wanted.users - users.keys():
        for user in await store.users_by_id(organization_id, wanted.users - users.keys()):
            users[user.id] = user.display_name
    found = await store.find_objects(
        organization_id, wanted.leads | wanted.contacts | wanted.outcomes
    )

    def of_kind(kind: str) -> dict[str, str | None]:
        return {oid: parent for oid, (found_kind, parent) in found.items() if found_kind == kind}

    # Every outcome type applies to calls (custom: calls and meetings; vm-dropped: calls).
    return References(
        users=users,
        leads=frozenset(of_kind("lead")),
        contact_leads={cid: lead for cid, lead in of_kind("contact").items() if lead},
        outcomes=frozenset(of_kind("outcome")),
    )


async def find_references(
    services: Services, caller: Principal, body: dict[str, Any], current_contact: str | None = None
) -> References:
    """Look up every id the body (and the stored activity's contact) names, in the caller's org."""
    wanted = referenced_ids(body)
    if wanted is None and current_contact is None:
        return References(users={caller.user_id: caller.user_name})
    wanted = wanted or ReferencedIds(set(), set(), set(), set())
    if current_contact is not None:
        wanted.contacts.add(current_contact)
    return await look_up_references(services.store, caller, wanted)


class ActivityResource(Handlers):
    """Create, get, update, delete and list of one activity type; subclasses name the type."""

    kind: ActivityType

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.id_param = f"{self.kind.path}_id"

    def routes(self) -> list[Route]:
        collection: dict[str, Handler] = {"GET": self.list}
        if self.kind.public_create:
            collection["POST"] = self.create
        return [
            Route(f"/api/v1/activity/{self.kind.path}/", collection),
            Route(
                f"/api/v1/activity/{self.kind.path}/{{{self.id_param}}}/",
                {"GET": self.get, "PUT": self.update, "DELETE": self.delete},
            ),
        ]

    async def prepare(self, cleaned: dict[str, Any], caller: Principal) -> dict[str, Any]:
        """A hook between validation and the new document (calls match phones here)."""
        return cleaned

    async def create(self, request: Request) -> Response:
        return await idempotently(self.services, request, lambda key: self._create(request, key))

    async def _create(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        document = await self.insert(request, body, key)
        return Response(document)

    async def insert(
        self, request: Request, body: dict[str, Any], key: IdempotencyKey | None = None
    ) -> bytes:
        """Validate and store a new activity of this type with its `created` event."""
        caller = request.caller
        if key is None and not self.services.settings.match_phone:
            # The write itself checks the references, on the writer's warm cache (a lookup on
            # the reader first cost more than the rest of a create); a body that fails either
            # way takes the path below, which names what is wrong. Nothing is written then.
            assumed = assumed_references(body, user_id=caller.user_id, user_name=caller.user_name)
            if assumed is not None:
                with contextlib.suppress(ValidationFailed, ReferencesMissing):
                    return await self._insert(request, body, assumed, key, checked=False)
        refs = await find_references(self.services, caller, body)
        return await self._insert(request, body, refs, key, checked=True)

    async def _insert(
        self,
        request: Request,
        body: dict[str, Any],
        refs: References,
        key: IdempotencyKey | None,
        *,
        checked: bool,
    ) -> bytes:
        """Validate, build and store; `checked` says whether `refs` were looked up."""
        caller = request.caller
        cleaned = self.kind.validate_create(
            body, phone_region=self.services.settings.phone_region, refs=refs
        )
        cleaned = await self.prepare(cleaned, caller)
        activity = self.kind.new(
            cleaned, activity_id=self.services.ids.new("acti"), now=self.services.clock.now(),
            principal=caller, user_names=refs.users,
        )  # fmt: skip
        document = encode_json(activity)
        recorder = EventRecorder(self.services, request)
        recorded = recorder.created(self.kind.name, activity["id"], activity["lead_id"], document)
        row = activity_row(activity, document)
        store = self.services.store
        if checked:
            await store.insert_activity(row, events=recorded, idempotency=key)
        else:
            await store.insert_activity(row, events=recorded, assumed=refs)
        return document

    async def get(self, request: Request) -> Response:
        document = await self.services.store.get_activity(
            request.caller.organization_id, self.kind.name, request.path_params[self.id_param]
        )
        if document is None:
            raise object_not_found(self.kind.not_found)
        selection = parse_fields(request.query.get("_fields"))
        if selection is None:
            kept = self.kind.stores_optional_fields
            return Response(visible_document(document) if kept else document)
        return json_response(project_document(document, selection, self.kind.optional_fields))

    async def update(self, request: Request) -> Response:
        return await idempotently(self.services, request, lambda key: self._update(request, key))

    async def _update(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        recorder = EventRecorder(self.services, request)
        for _ in range(UPDATE_ATTEMPTS):
            document = await self._update_once(request, body, recorder, key)
            if document is not None:
                return Response(visible_document(document))
        raise Conflict(
            f"The {self.kind.path} changed while it was being updated; send the update again."
        )

    async def _update_once(
        self,
        request: Request,
        body: dict[str, Any],
        recorder: EventRecorder,
        key: IdempotencyKey | None,
    ) -> bytes | None:
        """One checked update; None when the activity's contact moved after its check (retry)."""
        caller = request.caller
        activity_id = request.path_params[self.id_param]
        store = self.services.store
        name = self.kind.name
        stored = await store.get_activity(caller.organization_id, name, activity_id)
        if stored is None:
            raise object_not_found(self.kind.not_found)
        checked = _decode(stored)
        refs = await find_references(self.services, caller, body, checked["contact_id"])
        cleaned = self.kind.validate_update(
            body, phone_region=self.services.settings.phone_region, refs=refs
        )
        now = self.services.clock.now()

        def change(locked: bytes) -> ActivityRow:
            current = _decode(locked)
            if current["contact_id"] != checked["contact_id"]:
                raise _ContactMoved
            updated = self.kind.apply_update(current, cleaned, now=now, principal=caller, refs=refs)
            return activity_row(updated, encode_json(updated))

        try:
            # The key, when there is one, is finished in the write's own transaction.
            keyed = {} if key is None else {"idempotency": key}
            document = await store.update_activity(
                caller.organization_id, name, activity_id, change,
                record=recorder.updated(name), **keyed,
            )  # fmt: skip
        except _ContactMoved:
            return None
        if document is None:
            raise object_not_found(self.kind.not_found)
        return document

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_activity(
            request.caller.organization_id, self.kind.name, request.path_params[self.id_param],
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found, self.kind.not_found)

    async def list(self, request: Request) -> Response:
        query = parse_call_list(request.query, tz_offset=request.headers.get("x-tz-offset"))
        if query.types is not None and self.kind.name not in query.types:
            return Response(b'{"data":[],"has_more":false}')
        query = replace(query, types=(self.kind.name,))
        documents, has_more = await self.services.store.list_activities(
            request.caller.organization_id, query
        )
        return list_response(
            documents, has_more, parse_fields(request.query.get("_fields")),
            may_hold_optional=self.kind.stores_optional_fields,
        )  # fmt: skip
