"""What the store reads and writes for the event log, webhook subscriptions and deliveries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from closecalls.domain.events import Event

# An event as stored: its indexed columns and its encoded document.
EventRow = Event[bytes]

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
