"""What handlers give the store so that each change writes its events in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from closecalls.domain import events
from closecalls.domain.events import Event, EventContext
from closecalls.http.request import Request
from closecalls.http.responses import encode_json
from closecalls.services import Services
from closecalls.store.events import EventRow, Recorder, RemovalRecorder
from closecalls.store.rows import ObjectRow

_decode = msgspec.json.Decoder().decode
EVENT_ID_LENGTH = 22


def event_row(event: Event[dict[str, Any]], data: bytes | None = None) -> EventRow:
    """The stored event; `data`, when given, is spliced in as the document's last key."""
    document = encode_json(event.document)
    if data is not None:
        document = document[:-1] + b',"data":' + data + b"}"
    return event.stored(document)


class EventRecorder:
    """The events of one request: one `request_id`, the caller, the method and the path."""

    def __init__(self, services: Services, request: Request) -> None:
        caller = request.caller
        self.services = services
        self.enabled = services.settings.record_events
        api_key = caller.credential_id.startswith("api_")
        self.context = EventContext(
            organization_id=caller.organization_id,
            user_id=caller.user_id,
            api_key_id=caller.credential_id if api_key else None,
            request_id=services.ids.new("req", EVENT_ID_LENGTH) if self.enabled else "",
            request_method=request.method,
            request_path=request.path,
        )

    def _new_id(self) -> str:
        return self.services.ids.new("ev", EVENT_ID_LENGTH)

    def _event(
        self, kind: str, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> EventRow:
        return event_row(events.new_event(
            self.context, event_id=self._new_id(), now=self.services.clock.now(), kind=kind,
            action=action, before=before, after=after,
        ))  # fmt: skip

    def created(
        self, kind: str, object_id: str, lead_id: str | None, document: bytes
    ) -> list[EventRow]:
        """The `created` event of a new object, its document as stored."""
        if not self.enabled:
            return []
        event = events.created_event(
            self.context, event_id=self._new_id(), now=self.services.clock.now(), kind=kind,
            object_id=object_id, lead_id=lead_id,
        )  # fmt: skip
        return [event_row(event, document)]

    def updated(self, kind: str) -> Recorder | None:
        """The `updated` event of a change, from the stored documents before and after it."""
        if not self.enabled:
            return None

        def record(before: bytes, after: bytes) -> list[EventRow]:
            return [self._event(kind, "updated", _decode(before), _decode(after))]

        return record

    def deleted(self) -> RemovalRecorder | None:
        """A `deleted` event per object removed (a lead's children first)."""
        if not self.enabled:
            return None

        def record(removed: list[tuple[str, bytes]]) -> list[EventRow]:
            found = [(kind, _decode(document)) for kind, document in removed]
            return [event_row(event) for event in events.deletion_events(
                self.context, new_id=self._new_id, now=self.services.clock.now(), deleted=found,
            )]  # fmt: skip

        return record


def created_events(recorder: EventRecorder, rows: Sequence[ObjectRow]) -> list[EventRow]:
    """A `created` event per new lead, contact or outcome."""
    return [
        event
        for row in rows
        for event in recorder.created(
            row.kind, row.id, row.id if row.kind == "lead" else row.parent_id, row.document
        )
    ]
