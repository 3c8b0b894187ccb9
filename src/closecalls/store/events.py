"""The store contract for the event log, webhook subscriptions and the delivery queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from closecalls.domain.eventlog import EventQuery


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event's indexed columns and its JSON document."""

    id: str
    organization_id: str
    object_type: str
    object_id: str
    action: str
    lead_id: str | None
    user_id: str | None
    request_id: str | None
    date_created: int
    date_updated: int
    document: bytes


# Events to write with a change: from the stored document before and after it.
Recorder = Callable[[bytes, bytes], Sequence[EventRow]]
# Events to write with a deletion: from every (kind or activity type, document) removed.
RemovalRecorder = Callable[[list[tuple[str, bytes]]], Sequence[EventRow]]


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One event of a page, with the place a cursor resumes from."""

    date_updated: int
    seq: int
    document: bytes


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """A webhook subscription as stored; `events` and `event_filter` are JSON."""

    id: str
    organization_id: str
    user_id: str | None
    url: str
    events: bytes
    event_filter: bytes | None
    verify_ssl: bool
    status: str
    signature_key: str
    date_created: int
    date_updated: int
    failing_since: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A due delivery taken by one deliverer until its lease runs out."""

    seq: int
    organization_id: str
    subscription_id: str
    event_id: str
    body: bytes
    attempts: int
    date_created: int
    url: str
    signature_key: str
    verify_ssl: bool
    failing_since: int | None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one delivery attempt got, and what the queue does next."""

    claim: Claim
    date_attempted: int
    status_code: int | None
    error: str | None
    latency_ms: float
    succeeded: bool
    # 'delivered', 'pending' (retry at next_attempt_at) or 'dropped'.
    delivery_status: str
    next_attempt_at: int
    pause: bool


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One line of a subscription's delivery log."""

    event_id: str
    attempt: int
    date_attempted: int
    status_code: int | None
    error: str | None
    latency_ms: float
    succeeded: bool


# Which subscriptions want an event: its document and the organization's subscriptions
# in, (subscription id, delivery body) out.
Planner = Callable[[bytes, list[SubscriptionRow]], list[tuple[str, bytes]]]


class WebhookStore(Protocol):
    """The event log and webhooks; the deliverer's methods span organizations."""

    async def get_event(self, organization_id: str, event_id: str) -> bytes | None: ...

    async def list_events(self, organization_id: str, query: EventQuery) -> list[EventEntry]:
        """Up to `query.limit + 1` events past the cursor, nearest first."""
        ...

    async def insert_subscription(self, row: SubscriptionRow, *, limit: int) -> bool:
        """Add a subscription unless its organization already has `limit`."""
        ...

    async def get_subscription(
        self, organization_id: str, subscription_id: str
    ) -> SubscriptionRow | None: ...

    async def list_subscriptions(self, organization_id: str) -> list[SubscriptionRow]: ...

    async def update_subscription(
        self,
        organization_id: str,
        subscription_id: str,
        change: Callable[[SubscriptionRow], SubscriptionRow],
    ) -> SubscriptionRow | None: ...

    async def delete_subscription(self, organization_id: str, subscription_id: str) -> bool: ...

    async def redeliver(
        self, organization_id: str, subscription_id: str, event_id: str, *, now: int
    ) -> bool:
        """Make the event's delivery to the subscription due at `now`; False if there is none."""
        ...

    async def list_attempts(
        self, organization_id: str, subscription_id: str, *, limit: int, skip: int
    ) -> tuple[list[AttemptRow], bool] | None:
        """A subscription's delivery log, newest first; None if there is no such subscription."""
        ...

    # The deliverer ---------------------------------------------------------------------
    async def dispatch_events(self, plan: Planner, *, now: int, limit: int) -> int:
        """Queue deliveries for up to `limit` new events; how many events were planned."""
        ...

    async def claim_deliveries(self, *, now: int, lease_until: int, limit: int) -> list[Claim]:
        """Take due deliveries of active subscriptions that no other deliverer holds."""
        ...

    async def record_attempts(self, results: Sequence[AttemptResult]) -> int:
        """A pass's attempts in one transaction; those of deleted subscriptions are dropped."""
        ...

    async def record_attempt(self, result: AttemptResult) -> bool:
        """One attempt's outcome, on its own; False if its subscription is gone."""
        ...

    async def prune(self, *, events_before: int, log_before: int) -> int:
        """Forget events and finished deliveries past retention; how many events went."""
        ...
