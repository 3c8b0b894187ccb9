"""`/api/v1/activity/call/`: log, read, change, delete and list call activities."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec

from closecalls.api.handlers import Handlers, deleted, resource_routes
from closecalls.api.idempotency import idempotently
from closecalls.api.listing import list_response, project_document
from closecalls.api.recording import EventRecorder
from closecalls.domain import calls
from closecalls.domain.idempotency import IdempotencyKey
from closecalls.domain.listing import parse_call_list
from closecalls.domain.principal import Principal
from closecalls.domain.projection import parse_fields
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import Conflict, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Route
from closecalls.store.rows import ActivityRow
from closecalls.store.store import Store

_decode = msgspec.json.Decoder().decode
# A PUT re-reads and re-checks the call this many times if its contact moves under it.
UPDATE_ATTEMPTS = 3


class _ContactMoved(Exception):
    """The call's contact changed after its references were checked: check them again."""


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


async def look_up_references(
    store: Store, caller: Principal, wanted: calls.ReferencedIds
) -> calls.References:
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
    return calls.References(
        users=users,
        leads=frozenset(of_kind("lead")),
        contact_leads={cid: lead for cid, lead in of_kind("contact").items() if lead},
        outcomes=frozenset(of_kind("outcome")),
    )


class CallHandlers(Handlers):
    """Handlers for the Calls resource."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/activity/call/", "call_id", self)

    async def _references(
        self, caller: Principal, body: dict[str, Any], current: dict[str, Any] | None = None
    ) -> calls.References:
        """Look up every id the body (and the stored call) names, in the caller's organization."""
        wanted = calls.referenced_ids(body)
        current_contact = None if current is None else current["contact_id"]
        if wanted is None and current_contact is None:
            return calls.References(users={caller.user_id: caller.user_name})
        wanted = wanted or calls.ReferencedIds(set(), set(), set(), set())
        if current_contact is not None:
            wanted.contacts.add(current_contact)
        return await look_up_references(self.services.store, caller, wanted)

    async def create(self, request: Request) -> Response:
        return await idempotently(self.services, request, lambda key: self._create(request, key))

    async def _create(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        caller = request.caller
        refs = await self._references(caller, body)
        settings = self.services.settings
        cleaned = calls.validate_create(body, phone_region=settings.phone_region, refs=refs)
        phone = cleaned.get("phone")
        if settings.match_phone and phone is not None:
            matches = await self.services.store.contacts_by_phone(
                caller.organization_id, phone.e164
            )
            cleaned = calls.attach_by_phone(cleaned, matches)
        call = calls.new_call(
            cleaned,
            call_id=self.services.ids.new("acti"),
            now=self.services.clock.now(),
            principal=caller,
            user_names=refs.users,
        )
        document = encode_json(call)
        recorder = EventRecorder(self.services, request)
        recorded = recorder.created(calls.CALL_TYPE, call["id"], call["lead_id"], document)
        row = call_row(call, document)
        if key is None:
            await self.services.store.insert_activity(row, events=recorded)
        else:
            await self.services.store.insert_activity(row, events=recorded, idempotency=key)
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
        return await idempotently(self.services, request, lambda key: self._update(request, key))

    async def _update(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        recorder = EventRecorder(self.services, request)
        for _ in range(UPDATE_ATTEMPTS):
            document = await self._update_once(request, body, recorder, key)
            if document is not None:
                return Response(document)
        raise Conflict("The call changed while it was being updated; send the update again.")

    async def _update_once(
        self,
        request: Request,
        body: dict[str, Any],
        recorder: EventRecorder,
        key: IdempotencyKey | None,
    ) -> bytes | None:
        """One checked update; None when the call's contact moved after its check (retry)."""
        caller = request.caller
        call_id = request.path_params["call_id"]
        store = self.services.store
        stored = await store.get_activity(caller.organization_id, calls.CALL_TYPE, call_id)
        if stored is None:
            raise object_not_found("Call")
        checked = _decode(stored)
        refs = await self._references(caller, body, current=checked)
        cleaned = calls.validate_update(
            body, phone_region=self.services.settings.phone_region, refs=refs
        )
        now = self.services.clock.now()

        def change(locked: bytes) -> ActivityRow:
            current = _decode(locked)
            if current["contact_id"] != checked["contact_id"]:
                raise _ContactMoved
            updated = calls.apply_update(current, cleaned, now=now, principal=caller, refs=refs)
            return call_row(updated, encode_json(updated))

        try:
            # The key, when there is one, is finished in the write's own transaction.
            keyed = {} if key is None else {"idempotency": key}
            document = await store.update_activity(
                caller.organization_id, calls.CALL_TYPE, call_id, change,
                record=recorder.updated(calls.CALL_TYPE), **keyed,
            )  # fmt: skip
        except _ContactMoved:
            return None
        if document is None:
            raise object_not_found("Call")
        return document

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_activity(
            request.caller.organization_id, calls.CALL_TYPE, request.path_params["call_id"],
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found, "Call")

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
