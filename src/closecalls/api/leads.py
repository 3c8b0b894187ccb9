"""`/api/v1/lead/`: leads, with their contacts embedded as Close returns them."""

from __future__ import annotations

from typing import Any

from closecalls.api import lookup
from closecalls.api.custom_fields import clean_custom_values, definitions
from closecalls.api.handlers import Handlers, deleted, resource_routes
from closecalls.api.objects import decode, object_row, paging, respond, respond_page
from closecalls.api.recording import EventRecorder, created_events
from closecalls.api.statuses import lead_statuses, status_change_recorder
from closecalls.domain import contacts, custom_fields, leads
from closecalls.domain.errors import ValidationFailed
from closecalls.domain.lead_query import parse_query
from closecalls.domain.listing import MAX_LIMITS
from closecalls.domain.principal import Principal
from closecalls.domain.statuses import by_id
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.store.rows import ObjectRow


class LeadHandlers(Handlers):
    """Create, read, change, delete and list leads."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/lead/", "lead_id", self)

    async def _with_contacts(
        self, organization_id: str, documents: list[bytes]
    ) -> list[dict[str, Any]]:
        found = [decode(document) for document in documents]
        children, _ = await self.services.store.list_objects(
            organization_id, "contact", parent_ids=tuple(lead["id"] for lead in found),
            limit=10_000, skip=0, newest_first=False,
        )  # fmt: skip
        by_lead: dict[str, list[dict[str, Any]]] = {lead["id"]: [] for lead in found}
        for child in map(decode, children):
            by_lead[child["lead_id"]].append(child)
        return [{**lead, "contacts": by_lead[lead["id"]]} for lead in found]

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        statuses = by_id(await lead_statuses(self.services.store, caller.organization_id))
        field_errors: dict[str, str] = {}
        try:
            cleaned = leads.validate(body, statuses=statuses)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
            cleaned = {}
        contact_bodies = body.get("contacts") or []
        if not isinstance(contact_bodies, list) or not all(
            isinstance(item, dict) for item in contact_bodies
        ):
            field_errors["contacts"] = "Value must be of list type."
            contact_bodies = []
        cleaned_contacts = []
        for index, contact_body in enumerate(contact_bodies):
            try:
                cleaned_contacts.append(
                    contacts.validate(
                        {k: v for k, v in contact_body.items() if k != "lead_id"},
                        phone_region=self.services.settings.phone_region,
                    )
                )
            except ValidationFailed as failure:
                for key, message in failure.field_errors.items():
                    field_errors[f"contacts.{index}.{key}"] = message
        store = self.services.store
        organization_id = caller.organization_id
        custom: dict[str, tuple[str, Any]] = {}
        try:
            custom = await clean_custom_values(store, organization_id, "lead", body)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        contact_custom = []
        for index, contact_body in enumerate(contact_bodies):
            try:
                contact_custom.append(
                    await clean_custom_values(store, organization_id, "contact", contact_body)
                )
            except ValidationFailed as failure:
                for key, message in failure.field_errors.items():
                    field_errors[f"contacts.{index}.{key}"] = message
        if field_errors:
            raise ValidationFailed(field_errors)
        cleaned_contacts = [
            {**contact, "custom": values}
            for contact, values in zip(cleaned_contacts, contact_custom, strict=True)
        ]
        rows = new_lead_rows(
            self.services, caller, {**cleaned, "custom": custom}, cleaned_contacts,
            statuses=statuses,
        )  # fmt: skip
        await self.services.store.insert_objects(
            rows, events=created_events(EventRecorder(self.services, request), rows)
        )
        [lead] = await self._with_contacts(caller.organization_id, [rows[0].document])
        return respond(request, lead)

    async def get(self, request: Request) -> Response:
        organization_id = request.caller.organization_id
        lead_id = request.path_params["lead_id"]
        found = await self.services.store.get_objects(organization_id, "lead", [lead_id])
        if lead_id not in found:
            raise object_not_found("Lead")
        [lead] = await self._with_contacts(organization_id, [found[lead_id]])
        return respond(request, lead)

    async def update(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        store = self.services.store
        statuses = by_id(await lead_statuses(store, caller.organization_id))
        field_errors: dict[str, str] = {}
        cleaned: dict[str, Any] = {}
        custom: dict[str, tuple[str, Any]] = {}
        try:
            cleaned = leads.validate(body, statuses=statuses)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        try:
            custom = await clean_custom_values(store, caller.organization_id, "lead", body)
        except ValidationFailed as failure:
            field_errors.update(failure.field_errors)
        if field_errors:
            raise ValidationFailed(field_errors)
        now = self.services.clock.now()

        def change(stored: bytes) -> ObjectRow:
            updated = leads.apply_update(
                decode(stored), cleaned, now=now, principal=caller, statuses=statuses
            )
            return object_row("lead", custom_fields.apply_values(updated, custom))

        recorder = EventRecorder(self.services, request)
        document = await self.services.store.update_lead(
            caller.organization_id, request.path_params["lead_id"], change,
            record=recorder.updated("lead"),
            activity=status_change_recorder(self.services, caller, recorder),
        )  # fmt: skip
        if document is None:
            raise object_not_found("Lead")
        [lead] = await self._with_contacts(caller.organization_id, [document])
        return respond(request, lead)

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_lead(
            request.caller.organization_id, request.path_params["lead_id"],
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found, "Lead")

    async def list(self, request: Request) -> Response:
        organization_id = request.caller.organization_id
        limit, skip = paging(request, maximum=MAX_LIMITS["lead"])
        store = self.services.store
        text = request.query.get("query")
        if text is not None and text.strip():
            names = {}
            if "custom." in text:
                known = await definitions(store, organization_id, "lead")
                names = {field.name.casefold(): field.id for field in known}
            parsed = parse_query(
                text, region=self.services.settings.phone_region, custom_fields=names
            )
            hits = await lookup.search(store, organization_id, parsed.condition,
                                       object_type="lead", sort=parsed.sort)  # fmt: skip
            page = [
                {**hit.lead, "contacts": list(hit.contacts)} for hit in hits[skip : skip + limit]
            ]
            has_more = bool(page) and skip + limit < len(hits)
            return respond_page(request, page, has_more, total_results=len(hits))
        documents, has_more = await store.list_objects(
            organization_id, "lead", parent_ids=None, limit=limit, skip=skip, newest_first=True
        )
        total = await store.count_objects(organization_id, "lead", parent_ids=None)
        found = await self._with_contacts(organization_id, documents)
        return respond_page(request, found, has_more, total_results=total)


def new_lead_rows(
    services: Services,
    caller: Principal,
    cleaned: dict[str, Any],
    cleaned_contacts: list[dict[str, Any]],
    *,
    statuses: dict[str, str],
    fallback_name: str = "",
) -> list[ObjectRow]:
    """A new lead and its contacts, as rows to insert in one transaction."""
    now, ids = services.clock.now(), services.ids
    lead = leads.new_lead(
        cleaned, lead_id=ids.new("lead"), now=now, principal=caller, statuses=statuses,
        fallback_name=fallback_name,
    )  # fmt: skip
    lead = custom_fields.apply_values(lead, cleaned.get("custom", {}))
    rows = [object_row("lead", lead)]
    for contact_cleaned in cleaned_contacts:
        contact = contacts.new_contact(
            contact_cleaned, contact_id=ids.new("cont"), lead_id=lead["id"], now=now,
            principal=caller,
        )  # fmt: skip
        contact = custom_fields.apply_values(contact, contact_cleaned.get("custom", {}))
        rows.append(object_row("contact", contact, parent_id=lead["id"],
                               phones=contacts.phone_numbers(contact)))  # fmt: skip
    return rows
