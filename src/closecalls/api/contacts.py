"""`/api/v1/contact/`: the people at a lead."""

from __future__ import annotations

from typing import Any

from closecalls.api import lookup
from closecalls.api.custom_fields import clean_custom_values
from closecalls.api.handlers import Handlers, deleted, resource_routes
from closecalls.api.leads import new_lead_rows
from closecalls.api.objects import decode, object_row, paging, respond, respond_page
from closecalls.api.recording import EventRecorder, created_events
from closecalls.api.statuses import lead_statuses
from closecalls.domain import contacts, custom_fields
from closecalls.domain.errors import NO_SUCH_OBJECT, ValidationFailed
from closecalls.domain.lead_query import parse_query
from closecalls.domain.listing import MAX_LIMITS, parse_id_list
from closecalls.domain.search import AllOf, ValueIn
from closecalls.domain.statuses import by_id
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.store.rows import ObjectRow


class ContactHandlers(Handlers):
    """Create, read, change, delete and list contacts."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/contact/", "contact_id", self)

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        store = self.services.store
        lead_id = body.get("lead_id")
        field_errors: dict[str, str] = {}
        try:
            cleaned = contacts.validate(body, phone_region=self.services.settings.phone_region)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
            cleaned = {}
        if isinstance(lead_id, str):
            found = await store.find_objects(caller.organization_id, [lead_id])
            if found.get(lead_id, ("", None))[0] != "lead":
                field_errors["lead_id"] = NO_SUCH_OBJECT
        try:
            cleaned["custom"] = await clean_custom_values(
                store, caller.organization_id, "contact", body
            )
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        if field_errors:
            raise ValidationFailed(field_errors)
        if cleaned.get("lead_id"):
            contact = contacts.new_contact(
                cleaned, contact_id=self.services.ids.new("cont"), lead_id=cleaned["lead_id"],
                now=self.services.clock.now(), principal=caller,
            )  # fmt: skip
            contact = custom_fields.apply_values(contact, cleaned["custom"])
            rows = [object_row("contact", contact, parent_id=contact["lead_id"],
                               phones=contacts.phone_numbers(contact))]  # fmt: skip
        else:
            # Close's 2025 rule: a contact without a lead gets a new lead named after it.
            rows = new_lead_rows(
                self.services, caller, {}, [cleaned],
                statuses=by_id(await lead_statuses(store, caller.organization_id)),
                fallback_name=contacts.display_name(cleaned),
            )  # fmt: skip
        await store.insert_objects(
            rows, events=created_events(EventRecorder(self.services, request), rows)
        )
        return respond(request, decode(rows[-1].document))

    async def get(self, request: Request) -> Response:
        contact_id = request.path_params["contact_id"]
        found = await self.services.store.get_objects(
            request.caller.organization_id, "contact", [contact_id]
        )
        if contact_id not in found:
            raise object_not_found("Contact")
        return respond(request, decode(found[contact_id]))

    async def update(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        field_errors: dict[str, str] = {}
        cleaned: dict[str, Any] = {}
        custom: dict[str, tuple[str, Any]] = {}
        try:
            cleaned = contacts.validate(body, phone_region=self.services.settings.phone_region)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        try:
            custom = await clean_custom_values(
                self.services.store, caller.organization_id, "contact", body
            )
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        if field_errors:
            raise ValidationFailed(field_errors)
        now = self.services.clock.now()

        def change(stored: bytes) -> ObjectRow:
            updated = contacts.apply_update(decode(stored), cleaned, now=now, principal=caller)
            updated = custom_fields.apply_values(updated, custom)
            return object_row("contact", updated, parent_id=updated["lead_id"],
                              phones=contacts.phone_numbers(updated))  # fmt: skip

        document = await self.services.store.update_object(
            caller.organization_id, "contact", request.path_params["contact_id"], change,
            record=EventRecorder(self.services, request).updated("contact"),
        )  # fmt: skip
        if document is None:
            raise object_not_found("Contact")
        return respond(request, decode(document))

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_object(
            request.caller.organization_id, "contact", request.path_params["contact_id"],
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found, "Contact")

    async def list(self, request: Request) -> Response:
        limit, skip = paging(request, maximum=MAX_LIMITS["contact"])
        text = request.query.get("query")
        if text is not None and text.strip():
            return await self._search(request, text, limit, skip)
        documents, has_more = await self.services.store.list_objects(
            request.caller.organization_id, "contact",
            parent_ids=parse_id_list(request.query.get("lead_id")),
            limit=limit, skip=skip, newest_first=True,
        )  # fmt: skip
        return respond_page(request, [decode(document) for document in documents], has_more)

    async def _search(self, request: Request, text: str, limit: int, skip: int) -> Response:
        """`query=` over contacts (each with its lead), in the leads' search language."""
        organization_id = request.caller.organization_id
        parsed = parse_query(text, region=self.services.settings.phone_region)
        lead_ids = parse_id_list(request.query.get("lead_id"))
        condition = parsed.condition
        if lead_ids is not None:
            condition = AllOf((condition, ValueIn("id", lead_ids, "lead")))
        hits = await lookup.search(self.services.store, organization_id, condition,
                                   object_type="contact", sort=parsed.sort)  # fmt: skip
        page = [dict(hit.document) for hit in hits[skip : skip + limit]]
        return respond_page(request, page, bool(page) and skip + limit < len(hits))
