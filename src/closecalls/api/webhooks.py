"""`/api/v1/webhook/`: webhook subscriptions, as Close's, and each one's delivery log."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import msgspec

from closecalls.api.handlers import Handlers, resource_routes
from closecalls.api.objects import paging
from closecalls.domain import webhooks
from closecalls.domain.times import format_timestamp, from_micros, to_micros
from closecalls.http.errors import BadRequest, object_not_found
from closecalls.http.request import Request
from closecalls.http.responses import Response, json_response
from closecalls.http.router import Route
from closecalls.store.events import AttemptRow, SubscriptionRow

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
ID_LENGTH = 22
TOO_MANY = "An organization can have at most {limit} webhook subscriptions."


def _time(micros: int) -> str:
    return format_timestamp(from_micros(micros))


def subscription_document(row: SubscriptionRow) -> dict[str, Any]:
    """A subscription as the API returns it."""
    return {
        "id": row.id,
        "organization_id": row.organization_id,
        "created_by": row.user_id,
        "url": row.url,
        "events": _decode(row.events),
        "event_filter": None if row.event_filter is None else _decode(row.event_filter),
        "status": row.status,
        "verify_ssl": row.verify_ssl,
        "signature_key": row.signature_key,
        "date_created": _time(row.date_created),
        "date_updated": _time(row.date_updated),
    }


def attempt_document(row: AttemptRow) -> dict[str, Any]:
    """One line of the delivery log."""
    return {
        "event_id": row.event_id,
        "attempt": row.attempt,
        "date_attempted": _time(row.date_attempted),
        "status_code": row.status_code,
        "error": row.error,
        "latency_ms": round(row.latency_ms, 3),
        "succeeded": row.succeeded,
    }


def _filter_bytes(value: Any) -> bytes | None:
    return None if value is None else _encode(value)


class WebhookHandlers(Handlers):
    """Create, read, change, delete and list webhook subscriptions; read their delivery log."""

    def routes(self) -> list[Route]:
        return [
            *resource_routes("/api/v1/webhook/", "subscription_id", self),
            Route("/api/v1/webhook/{subscription_id}/delivery/", {"GET": self.deliveries}),
            Route(
                "/api/v1/webhook/{subscription_id}/delivery/{event_id}/redeliver/",
                {"POST": self.redeliver},
            ),
        ]

    def _validate(self, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        return webhooks.validate(
            body, creating=creating,
            allow_private=self.services.settings.webhook_allow_private,
        )  # fmt: skip

    async def create(self, request: Request) -> Response:
        cleaned = self._validate(await request.json_object(), creating=True)
        caller = request.caller
        now = to_micros(self.services.clock.now())
        row = SubscriptionRow(
            id=self.services.ids.new("whsub", ID_LENGTH),
            organization_id=caller.organization_id,
            user_id=caller.user_id,
            url=cleaned["url"],
            events=_encode(cleaned["events"]),
            event_filter=_filter_bytes(cleaned.get("event_filter")),
            verify_ssl=cleaned.get("verify_ssl", True),
            status="active",
            signature_key=secrets.token_hex(32),
            date_created=now,
            date_updated=now,
        )
        limit = webhooks.MAX_SUBSCRIPTIONS
        if not await self.services.store.insert_subscription(row, limit=limit):
            raise BadRequest(TOO_MANY.format(limit=limit))
        return json_response(subscription_document(row), 201)

    async def get(self, request: Request) -> Response:
        row = await self.services.store.get_subscription(
            request.caller.organization_id, request.path_params["subscription_id"]
        )
        if row is None:
            raise object_not_found("WebhookSubscription")
        return json_response(subscription_document(row))

    async def update(self, request: Request) -> Response:
        cleaned = self._validate(await request.json_object(), creating=False)
        now = to_micros(self.services.clock.now())

        def change(row: SubscriptionRow) -> SubscriptionRow:
            changed = replace(row, date_updated=now)
            if "url" in cleaned:
                changed = replace(changed, url=cleaned["url"])
            if "events" in cleaned:
                changed = replace(changed, events=_encode(cleaned["events"]))
            if "event_filter" in cleaned:
                changed = replace(changed, event_filter=_filter_bytes(cleaned["event_filter"]))
            if "verify_ssl" in cleaned:
                changed = replace(changed, verify_ssl=cleaned["verify_ssl"])
            if cleaned.get("status") == "active" and row.status == "paused":
                # Resuming forgets the failures that paused it.
                changed = replace(changed, status="active", failing_since=None)
            elif "status" in cleaned:
                changed = replace(changed, status=cleaned["status"])
            return changed

        row = await self.services.store.update_subscription(
            request.caller.organization_id, request.path_params["subscription_id"], change
        )
        if row is None:
            raise object_not_found("WebhookSubscription")
        return json_response(subscription_document(row))

    async def delete(self, request: Request) -> Response:
        deleted = await self.services.store.delete_subscription(
            request.caller.organization_id, request.path_params["subscription_id"]
        )
        if not deleted:
            raise object_not_found("WebhookSubscription")
        return Response(b"{}")

    async def list(self, request: Request) -> Response:
        rows = await self.services.store.list_subscriptions(request.caller.organization_id)
        data = [subscription_document(row) for row in rows]
        return json_response({"data": data, "has_more": False})

    async def deliveries(self, request: Request) -> Response:
        organization_id = request.caller.organization_id
        subscription_id = request.path_params["subscription_id"]
        limit, skip = paging(request)
        found = await self.services.store.list_attempts(
            organization_id, subscription_id, limit=limit, skip=skip
        )
        if found is None:
            raise object_not_found("WebhookSubscription")
        rows, has_more = found
        data = [attempt_document(row) for row in rows]
        return json_response({"data": data, "has_more": has_more})

    async def redeliver(self, request: Request) -> Response:
        """Send an event to a subscription again now: its delivery is due whatever its state."""
        organization_id = request.caller.organization_id
        params = request.path_params
        if (
            await self.services.store.get_subscription(organization_id, params["subscription_id"])
            is None
        ):
            raise object_not_found("WebhookSubscription")
        now = to_micros(self.services.clock.now())
        queued = await self.services.store.redeliver(
            organization_id, params["subscription_id"], params["event_id"], now=now
        )
        if not queued:
            raise object_not_found("Delivery")
        return json_response({})
