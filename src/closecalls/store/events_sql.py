"""SQL of the event log and webhooks that both dialects share, written with `?`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from closecalls.domain.eventlog import EventQuery
from closecalls.store.events import (
    AttemptResult,
    AttemptRow,
    Claim,
    EventEntry,
    EventRow,
    SubscriptionRow,
)
from closecalls.store.sql import Dialect
from closecalls.store.transaction import Transaction, run_many

EVENT_COLUMNS = (
    "id, organization_id, object_type, object_id, action, lead_id, user_id, request_id, "
    "date_created, date_updated, document"
)
INSERT_EVENT = f"INSERT INTO event ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
GET_EVENT = "SELECT document FROM event WHERE id = ? AND organization_id = ?"

SUBSCRIPTION_COLUMNS = (
    "id, organization_id, user_id, url, events, event_filter, verify_ssl, status, "
    "signature_key, date_created, date_updated, failing_since"
)
INSERT_SUBSCRIPTION = (
    f"INSERT INTO webhook_subscription ({SUBSCRIPTION_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
COUNT_SUBSCRIPTIONS = "SELECT count(*) FROM webhook_subscription WHERE organization_id = ?"
GET_SUBSCRIPTION = (
    f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscription WHERE id = ? AND organization_id = ?"
)
LIST_SUBSCRIPTIONS = (
    f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscription WHERE organization_id = ? "
    "ORDER BY date_created, seq"
)
UPDATE_SUBSCRIPTION = (
    "UPDATE webhook_subscription SET url = ?, events = ?, event_filter = ?, verify_ssl = ?, "
    "status = ?, date_updated = ?, failing_since = ? WHERE id = ? AND organization_id = ?"
)
DELETE_SUBSCRIPTION = "DELETE FROM webhook_subscription WHERE id = ? AND organization_id = ?"
# Due now whatever its state; its attempt count stays, so the log keeps numbering on.
REDELIVER = (
    "UPDATE webhook_delivery SET status = 'pending', next_attempt_at = ? "
    "WHERE organization_id = ? AND subscription_id = ? AND event_id = ?"
)
LIST_ATTEMPTS = (
    "SELECT event_id, attempt, date_attempted, status_code, error, latency_ms, succeeded "
    "FROM webhook_attempt WHERE organization_id = ? AND subscription_id = ? "
    "ORDER BY seq DESC LIMIT ? OFFSET ?"
)

INSERT_DELIVERY = (
    "INSERT INTO webhook_delivery (organization_id, subscription_id, event_id, body, status, "
    "attempts, date_created, next_attempt_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) "
    "ON CONFLICT (subscription_id, event_id) DO NOTHING"
)
DUE_DELIVERIES = (
    "SELECT d.seq, d.organization_id, d.subscription_id, d.event_id, d.body, d.attempts, "
    "d.date_created, s.url, s.signature_key, s.verify_ssl, s.failing_since "
    "FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id "
    "WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.status = 'active' "
    "ORDER BY d.next_attempt_at LIMIT ?"
)
INSERT_ATTEMPT = (
    "INSERT INTO webhook_attempt (organization_id, subscription_id, event_id, attempt, "
    "date_attempted, status_code, error, latency_ms, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
FINISH_ATTEMPT = (
    "UPDATE webhook_delivery SET status = ?, attempts = attempts + 1, next_attempt_at = ? "
    "WHERE seq = ?"
)
SUBSCRIPTION_SUCCEEDED = "UPDATE webhook_subscription SET failing_since = NULL WHERE id = ?"
SUBSCRIPTION_FAILED = (
    "UPDATE webhook_subscription SET failing_since = COALESCE(failing_since, ?) WHERE id = ?"
)
PAUSE_SUBSCRIPTION = (
    "UPDATE webhook_subscription SET status = 'paused' WHERE id = ? AND status = 'active'"
)
PRUNE = (
    "DELETE FROM webhook_attempt WHERE date_attempted < ?",
    "DELETE FROM webhook_delivery WHERE date_created < ?",
)


def insert_events(events: Sequence[EventRow]) -> Transaction[None]:
    """Write events inside the caller's transaction: the change and its events commit together."""
    if events:
        yield run_many(INSERT_EVENT, [event_values(event) for event in events])


def event_values(row: EventRow) -> tuple[object, ...]:
    return (row.id, row.organization_id, row.object_type, row.object_id, row.action,
            row.lead_id, row.user_id, row.request_id, row.date_created, row.date_updated,
            row.document)  # fmt: skip


def subscription_values(row: SubscriptionRow) -> tuple[object, ...]:
    return (row.id, row.organization_id, row.user_id, row.url, row.events, row.event_filter,
            row.verify_ssl, row.status, row.signature_key, row.date_created, row.date_updated,
            row.failing_since)  # fmt: skip


def subscription_update_values(row: SubscriptionRow) -> tuple[object, ...]:
    return (row.url, row.events, row.event_filter, row.verify_ssl, row.status, row.date_updated,
            row.failing_since, row.id, row.organization_id)  # fmt: skip


def subscription_from(values: Sequence[Any]) -> SubscriptionRow:
    (id_, organization_id, user_id, url, events, event_filter, verify_ssl, status, key,
     created, updated, failing_since) = values  # fmt: skip
    return SubscriptionRow(
        id=str(id_), organization_id=str(organization_id),
        user_id=None if user_id is None else str(user_id), url=str(url),
        events=bytes(events), event_filter=None if event_filter is None else bytes(event_filter),
        verify_ssl=bool(verify_ssl), status=str(status), signature_key=str(key),
        date_created=int(created), date_updated=int(updated),
        failing_since=None if failing_since is None else int(failing_since),
    )  # fmt: skip


def claim_from(values: Sequence[Any]) -> Claim:
    (seq, organization_id, subscription_id, event_id, body, attempts, created, url, key,
     verify_ssl, failing_since) = values  # fmt: skip
    return Claim(
        seq=int(seq), organization_id=str(organization_id),
        subscription_id=str(subscription_id), event_id=str(event_id), body=bytes(body),
        attempts=int(attempts), date_created=int(created), url=str(url),
        signature_key=str(key), verify_ssl=bool(verify_ssl),
        failing_since=None if failing_since is None else int(failing_since),
    )  # fmt: skip


def attempt_from(values: Sequence[Any]) -> AttemptRow:
    event_id, attempt, attempted, status_code, error, latency_ms, succeeded = values
    return AttemptRow(
        event_id=str(event_id), attempt=int(attempt), date_attempted=int(attempted),
        status_code=None if status_code is None else int(status_code),
        error=None if error is None else str(error), latency_ms=float(latency_ms),
        succeeded=bool(succeeded),
    )  # fmt: skip


def attempt_values(result: AttemptResult) -> tuple[object, ...]:
    claim = result.claim
    return (claim.organization_id, claim.subscription_id, claim.event_id, claim.attempts + 1,
            result.date_attempted, result.status_code, result.error, result.latency_ms,
            result.succeeded)  # fmt: skip


def list_events_sql(
    dialect: Dialect, organization_id: str, query: EventQuery
) -> tuple[str, list[object]]:
    """One page of events past the cursor plus one row, nearest the cursor first."""
    args: list[object] = []
    clauses = [f"organization_id = {dialect.param(args, organization_id)}"]
    for column, value in query.equals.items():
        clauses.append(f"{column} = {dialect.param(args, value)}")
    bounds = query.date_updated
    if bounds.low is not None:
        clauses.append(f"date_updated >= {dialect.param(args, bounds.low)}")
    if bounds.high is not None:
        clauses.append(f"date_updated < {dialect.param(args, bounds.high)}")
    direction, comparison = ("ASC", ">") if query.newer else ("DESC", "<")
    if query.cursor is not None:
        place = f"({dialect.param(args, query.cursor.date_updated)}, "
        place += f"{dialect.param(args, query.cursor.seq)})"
        clauses.append(f"(date_updated, seq) {comparison} {place}")
    limit = dialect.param(args, query.limit + 1)
    sql = (
        f"SELECT date_updated, seq, document FROM event WHERE {' AND '.join(clauses)} "
        f"ORDER BY date_updated {direction}, seq {direction} LIMIT {limit}"
    )
    return sql, args


def entries(rows: Iterable[Sequence[Any]]) -> list[EventEntry]:
    return [EventEntry(int(row[0]), int(row[1]), bytes(row[2])) for row in rows]


def subscriptions_of(dialect: Dialect, organizations: list[str]) -> tuple[str, list[object]]:
    """Every subscription of these organizations (never empty), oldest first."""
    args: list[object] = []
    where = dialect.one_of("organization_id", organizations, args)
    return (
        f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscription WHERE {where} "
        "ORDER BY date_created, seq",
        args,
    )
