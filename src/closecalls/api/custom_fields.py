"""`/api/v1/custom_field/{lead,contact,opportunity}/`: custom field definitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from closecalls.api.handlers import Handlers, deleted, resource_routes
from closecalls.api.objects import paging, respond, respond_page
from closecalls.api.recording import EventRecorder
from closecalls.domain import custom_fields
from closecalls.domain.custom_fields import Definition, References
from closecalls.domain.listing import MAX_LIMITS
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import NotFound, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json
from closecalls.http.router import Route
from closecalls.store.custom_fields import CustomFieldRow
from closecalls.store.events import EventRow
from closecalls.store.store import Store

_decode = msgspec.json.Decoder().decode
# Close names a missing definition by its model, as in "LeadCustomField matching query …".
MODELS = {"lead": "LeadCustomField", "contact": "ContactCustomField",
          "opportunity": "OpportunityCustomField"}  # fmt: skip


async def definitions(store: Store, organization_id: str, object_type: str) -> list[Definition]:
    """Every custom field of an object type (an organization has at most a few hundred)."""
    documents, _ = await store.list_custom_fields(organization_id, object_type, limit=10_000,
                                                  skip=0)  # fmt: skip
    return [Definition.of(_decode(document)) for document in documents]


async def clean_custom_values(
    store: Store, organization_id: str, object_type: str, body: Mapping[str, Any]
) -> dict[str, tuple[str, Any]]:
    """A body's `custom.*` values, validated against the organization's definitions."""
    if not any(key.startswith(custom_fields.PREFIX) for key in body):
        return {}
    known = await definitions(store, organization_id, object_type)
    named = sorted(custom_fields.referenced_ids(body))
    users = {user.id for user in await store.users_by_id(organization_id, named)}
    found = await store.find_objects(organization_id, named)
    contacts = {object_id for object_id, (kind, _) in found.items() if kind == "contact"}
    refs = References(frozenset(users), frozenset(contacts))
    return custom_fields.clean_values(body, known, refs)


def _object_type(request: Request) -> str:
    object_type = request.path_params["object_type"]
    if object_type not in custom_fields.OBJECT_TYPES:
        raise NotFound(f"closecalls holds no custom fields of type {object_type!r}.")
    return object_type


class CustomFieldHandlers(Handlers):
    """Create, read, change, delete and list custom field definitions."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/custom_field/{object_type}/", "field_id", self)

    async def list(self, request: Request) -> Response:
        object_type = _object_type(request)
        limit, skip = paging(request, maximum=MAX_LIMITS["custom_field"])
        documents, has_more = await self.services.store.list_custom_fields(
            request.caller.organization_id, object_type, limit=limit, skip=skip
        )
        return respond_page(request, [_decode(document) for document in documents], has_more)

    async def create(self, request: Request) -> Response:
        object_type = _object_type(request)
        body = await request.json_object()
        caller = request.caller
        cleaned = custom_fields.validate_definition(body, creating=True)
        document = custom_fields.new_definition(
            cleaned, field_id=self.services.ids.new("cf"), now=self.services.clock.now(),
            principal=caller,
        )  # fmt: skip
        await self.services.store.insert_custom_field(CustomFieldRow(
            document["id"], caller.organization_id, object_type,
            to_micros(parse_timestamp(document["date_created"])), encode_json(document),
        ))  # fmt: skip
        return respond(request, document)

    async def get(self, request: Request) -> Response:
        object_type = _object_type(request)
        document = await self.services.store.get_custom_field(
            request.caller.organization_id, object_type, request.path_params["field_id"]
        )
        if document is None:
            raise object_not_found(MODELS[object_type])
        return respond(request, _decode(document))

    async def update(self, request: Request) -> Response:
        object_type = _object_type(request)
        body = await request.json_object()
        caller = request.caller
        now = self.services.clock.now()

        def change(stored: bytes) -> bytes:
            current = _decode(stored)
            cleaned = custom_fields.validate_definition(body, creating=False, current=current)
            return encode_json(custom_fields.updated_definition(current, cleaned, now=now,
                                                                principal=caller))  # fmt: skip

        document = await self.services.store.update_custom_field(
            caller.organization_id, object_type, request.path_params["field_id"], change
        )
        if document is None:
            raise object_not_found(MODELS[object_type])
        return respond(request, _decode(document))

    async def delete(self, request: Request) -> Response:
        object_type = _object_type(request)
        field_id = request.path_params["field_id"]
        record = EventRecorder(self.services, request).updated(object_type)

        def strip(stored: bytes) -> tuple[bytes, Sequence[EventRow]] | None:
            before = _decode(stored)
            after = custom_fields.without_field(before, field_id)
            if after == before:
                return None
            document = encode_json(after)
            return document, record(stored, document) if record is not None else []

        found = await self.services.store.delete_custom_field(
            request.caller.organization_id, object_type, field_id, strip=strip
        )
        return deleted(found, MODELS[object_type])
