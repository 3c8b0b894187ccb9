"""`/api/v1/task/`: create, read, assign, complete, reopen, bulk-update, delete, list tasks."""

from __future__ import annotations

from typing import Any

import msgspec

from closecalls.api.activity_resource import activity_row, find_references
from closecalls.api.handlers import Handlers, deleted
from closecalls.api.idempotency import idempotently
from closecalls.api.listing import list_response
from closecalls.api.recording import EventRecorder
from closecalls.domain import tasks
from closecalls.domain.idempotency import IdempotencyKey
from closecalls.domain.listing import parse_tz_offset
from closecalls.domain.principal import Principal
from closecalls.domain.projection import parse_fields
from closecalls.domain.task_list import parse_task_list
from closecalls.domain.times import parse_timestamp, to_micros
from closecalls.http.errors import object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, encode_json, json_response
from closecalls.http.router import Route
from closecalls.services import Services
from closecalls.store.events import EventRow, RemovalRecorder
from closecalls.store.rows import ActivityRow, TaskChange, TaskRow

_decode = msgspec.json.Decoder().decode


def task_row(task: dict[str, Any], document: bytes) -> TaskRow:
    """The indexed columns of a task document."""
    return TaskRow(
        id=task["id"], organization_id=task["organization_id"], type=task["_type"],
        lead_id=task["lead_id"], assigned_to=task["assigned_to"],
        is_complete=bool(task["is_complete"]), date=tasks.date_micros(task),
        date_created=to_micros(parse_timestamp(task["date_created"])),
        date_updated=to_micros(parse_timestamp(task["date_updated"])), document=document,
    )  # fmt: skip


def event_kind(task: dict[str, Any]) -> str:
    """Close's event `object_type` of a task: `task.` and its type."""
    return f"task.{task['_type']}"


def deleted_tasks(services: Services, request: Request) -> RemovalRecorder | None:
    """The `deleted` events of tasks, under their `task.<type>` object types."""
    record = EventRecorder(services, request).deleted()
    if record is None:
        return None
    base = record

    def named(removed: list[tuple[str, bytes]]) -> list[EventRow]:
        return list(base([(event_kind(_decode(doc)), doc) for _, doc in removed]))

    return named


class TaskHandlers(Handlers):
    """Handlers for the Tasks resource."""

    def routes(self) -> list[Route]:
        return [
            Route(
                "/api/v1/task/", {"GET": self.list, "POST": self.create, "PUT": self.bulk_update}
            ),
            Route(
                "/api/v1/task/{task_id}/",
                {"GET": self.get, "PUT": self.update, "DELETE": self.delete},
            ),
        ]

    def _served(self, document: bytes, request: Request) -> dict[str, Any]:
        """A task as served now: its view follows the clock and the caller's day."""
        task: dict[str, Any] = _decode(document)
        offset = parse_tz_offset(request.headers.get("x-tz-offset"))
        task["view"] = tasks.view_of(task, now=self.services.clock.now(), offset=offset)
        return task

    def _respond(self, document: bytes, request: Request) -> Response:
        task = self._served(document, request)
        selection = parse_fields(request.query.get("_fields"))
        return json_response(task if selection is None else selection.apply(task, ()))

    async def create(self, request: Request) -> Response:
        return await idempotently(self.services, request, lambda key: self._create(request, key))

    async def _create(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        document = await self.insert(request, body, key)
        return self._respond(document, request)

    async def insert(
        self,
        request: Request,
        body: dict[str, Any],
        key: IdempotencyKey | None = None,
        *,
        system: bool = False,
    ) -> bytes:
        """Validate and store a new task; `system` tasks are the ones Close raises itself."""
        caller = request.caller
        services = self.services
        refs = await find_references(services, caller, body)
        cleaned = tasks.validate_create(
            body, phone_region=services.settings.phone_region, refs=refs, system=system
        )
        names = await self._names(caller, cleaned["lead_id"], cleaned.get("contact_id"))
        now = services.clock.now()
        task = tasks.new_task(
            cleaned, task_id=services.ids.new("task"), now=now, principal=caller,
            user_names=refs.users, lead_name=names.get(cleaned["lead_id"]),
            contact_name=names.get(cleaned.get("contact_id") or ""),
        )  # fmt: skip
        recorder = EventRecorder(services, request)
        completed: ActivityRow | None = None
        completed_events: list[EventRow] = []
        if cleaned.get("is_complete"):
            task["is_complete"] = True
            completed, completed_events = self._completion(task, caller, recorder)
        document = encode_json(task)
        events = [*recorder.created(event_kind(task), task["id"], task["lead_id"], document),
                  *completed_events]  # fmt: skip
        await services.store.insert_task(
            task_row(task, document), events=events, completed=completed, idempotency=key
        )
        return document

    def _completion(
        self, task: dict[str, Any], caller: Principal, recorder: EventRecorder
    ) -> tuple[ActivityRow, list[EventRow]]:
        """The TaskCompleted activity of a task completed now, and its `created` event."""
        activity = tasks.completion(
            task, activity_id=self.services.ids.new("acti"), now=self.services.clock.now(),
            principal=caller,
        )  # fmt: skip
        document = encode_json(activity)
        events = recorder.created(tasks.TASK_COMPLETED, activity["id"], task["lead_id"], document)
        return activity_row(activity, document), events

    async def _names(
        self, caller: Principal, lead_id: str, contact_id: str | None
    ) -> dict[str, str]:
        """The names of the task's lead and contact, by id."""
        store, names = self.services.store, {}
        for kind, object_id in (("lead", lead_id), ("contact", contact_id)):
            if object_id is None:
                continue
            for found_id, document in (
                await store.get_objects(caller.organization_id, kind, [object_id])
            ).items():
                names[found_id] = _decode(document).get("name") or ""
        return names

    async def get(self, request: Request) -> Response:
        document = await self.services.store.get_task(
            request.caller.organization_id, request.path_params["task_id"]
        )
        if document is None:
            raise object_not_found("Task")
        return self._respond(document, request)

    async def update(self, request: Request) -> Response:
        return await idempotently(self.services, request, lambda key: self._update(request, key))

    async def _update(self, request: Request, key: IdempotencyKey | None) -> Response:
        body = await request.json_object()
        document = await self._change(request, request.path_params["task_id"], body, key)
        if document is None:
            raise object_not_found("Task")
        return self._respond(document, request)

    async def _change(
        self,
        request: Request,
        task_id: str,
        body: dict[str, Any],
        key: IdempotencyKey | None = None,
        *,
        bulk: bool = False,
    ) -> bytes | None:
        caller = request.caller
        services = self.services
        refs = await find_references(services, caller, body)
        cleaned = tasks.validate_update(
            body, phone_region=services.settings.phone_region, refs=refs, bulk=bulk
        )
        recorder = EventRecorder(services, request)
        now = services.clock.now()

        def change(locked: bytes) -> TaskChange:
            before = _decode(locked)
            after = tasks.apply_update(before, cleaned, now=now, principal=caller,
                                       user_names=refs.users)  # fmt: skip
            completed: ActivityRow | None = None
            events: list[EventRow] = []
            if tasks.completes(before, after):
                completed, events = self._completion(after, caller, recorder)
            document = encode_json(after)
            updated = recorder.updated(event_kind(after))
            if updated is not None:
                events = [*updated(locked, document), *events]
            return TaskChange(task_row(after, document), completed, events)

        return await services.store.update_task(
            caller.organization_id, task_id, change, idempotency=key
        )

    async def bulk_update(self, request: Request) -> Response:
        """Update every task the filters select: `assigned_to`, `date` and `is_complete` only."""
        query = parse_task_list(
            request.query, tz_offset=request.headers.get("x-tz-offset"),
            now=self.services.clock.now(),
        )  # fmt: skip
        body = await request.json_object()
        organization_id = request.caller.organization_id
        for task_id in await self.services.store.task_ids(organization_id, query):
            await self._change(request, task_id, body, bulk=True)
        return json_response({})

    async def delete(self, request: Request) -> Response:
        found = await self.services.store.delete_task(
            request.caller.organization_id, request.path_params["task_id"],
            record=deleted_tasks(self.services, request),
        )  # fmt: skip
        return deleted(found, "Task")

    async def list(self, request: Request) -> Response:
        now = self.services.clock.now()
        query = parse_task_list(
            request.query, tz_offset=request.headers.get("x-tz-offset"), now=now
        )
        documents, has_more = await self.services.store.list_tasks(
            request.caller.organization_id, query
        )
        served = [encode_json(self._served(document, request)) for document in documents]
        selection = parse_fields(request.query.get("_fields"))
        return list_response(served, has_more, selection, may_hold_optional=False)
