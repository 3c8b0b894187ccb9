"""`/api/v1/outcome/`: Close's Outcome API (create answers 201)."""

from __future__ import annotations

from closecalls.api.handlers import Handlers, deleted, resource_routes
from closecalls.api.objects import decode, object_row, paging, respond, respond_page
from closecalls.api.recording import EventRecorder, created_events
from closecalls.domain import outcomes
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response
from closecalls.http.router import Route
from closecalls.store.rows import ObjectRow


class OutcomeHandlers(Handlers):
    """Create, read, change, delete and list outcomes."""

    def routes(self) -> list[Route]:
        return resource_routes("/api/v1/outcome/", "outcome_id", self)

    async def create(self, request: Request) -> Response:
        body = await request.json_object()
        cleaned = outcomes.validate(body, creating=True)
        outcome = outcomes.new_outcome(
            cleaned, outcome_id=self.services.ids.new("outcome", 22),
            now=self.services.clock.now(), principal=request.caller,
        )  # fmt: skip
        rows = [object_row("outcome", outcome)]
        await self.services.store.insert_objects(
            rows, events=created_events(EventRecorder(self.services, request), rows)
        )
        response = respond(request, outcome, status=201)
        response.headers["location"] = f"/api/v1/outcome/{outcome['id']}/"
        return response

    async def get(self, request: Request) -> Response:
        outcome_id = request.path_params["outcome_id"]
        found = await self.services.store.get_objects(
            request.caller.organization_id, "outcome", [outcome_id]
        )
        if outcome_id not in found:
            raise object_not_found("Outcome")
        return respond(request, decode(found[outcome_id]))

    async def update(self, request: Request) -> Response:
        body = await request.json_object()
        caller = request.caller
        cleaned = outcomes.validate(body, creating=False)
        now = self.services.clock.now()

        def change(stored: bytes) -> ObjectRow:
            updated = outcomes.apply_update(decode(stored), cleaned, now=now, principal=caller)
            return object_row("outcome", updated)

        document = await self.services.store.update_object(
            caller.organization_id, "outcome", request.path_params["outcome_id"], change,
            record=EventRecorder(self.services, request).updated("outcome"),
        )  # fmt: skip
        if document is None:
            raise object_not_found("Outcome")
        return respond(request, decode(document))

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_object(
            request.caller.organization_id, "outcome", request.path_params["outcome_id"],
            record=EventRecorder(self.services, request).deleted(),
        )  # fmt: skip
        return deleted(found, "Outcome")

    async def list(self, request: Request) -> Response:
        limit, skip = paging(request)
        documents, has_more = await self.services.store.list_objects(
            request.caller.organization_id, "outcome",
            parent_ids=None, limit=limit, skip=skip, newest_first=True,
        )  # fmt: skip
        return respond_page(request, [decode(document) for document in documents], has_more)
