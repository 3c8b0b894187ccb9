"""The event log, webhook subscriptions and the delivery queue, written once for both engines.

Deliverers in any number of PostgreSQL processes claim with `FOR UPDATE SKIP LOCKED`, so no
two take the same delivery, and see every organization through the `deliverer` policy; on
SQLite the one writer serialises every claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from closecalls.domain.eventlog import EventQuery
from closecalls.store import events_sql as q
from closecalls.store.events import (
    AttemptResult,
    AttemptRow,
    Claim,
    EventEntry,
    Planner,
    SubscriptionRow,
)
from closecalls.store.sql import Dialect
from closecalls.store.transaction import (
    DELIVERER,
    FOR_UPDATE,
    SKIP_LOCKED,
    Driver,
    Transaction,
    one,
    row,
    rows,
    run,
    run_many,
    tenant,
    value,
)

ANY_DUE = "SELECT 1 FROM webhook_delivery WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1"
# `dispatched = <false>` as a literal: the partial index of undispatched events needs it.
ANY_UNDISPATCHED = "SELECT 1 FROM event WHERE dispatched = {false} LIMIT 1"
UNDISPATCHED = (
    "SELECT seq, organization_id, id, document FROM event WHERE dispatched = {false} "
    "ORDER BY seq LIMIT ?"
)
LOCK_ORGANIZATION = "SELECT id FROM organization WHERE id = ?"
PRUNE_EVENTS = "DELETE FROM event WHERE date_created < ? AND dispatched = ?"


def insert_subscription(row: SubscriptionRow, limit: int) -> Transaction[bool]:
    # Concurrent creates in one organization take turns, so the limit holds.
    yield value(LOCK_ORGANIZATION, row.organization_id, lock=FOR_UPDATE)
    if (yield value(q.COUNT_SUBSCRIPTIONS, row.organization_id)) >= limit:
        return False
    yield run(q.INSERT_SUBSCRIPTION, *q.subscription_values(row))
    return True


def update_subscription(
    organization_id: str,
    subscription_id: str,
    change: Callable[[SubscriptionRow], SubscriptionRow],
) -> Transaction[SubscriptionRow | None]:
    found = yield row(q.GET_SUBSCRIPTION, subscription_id, organization_id, lock=FOR_UPDATE)
    if found is None:
        return None
    changed = change(q.subscription_from(found))
    yield run(q.UPDATE_SUBSCRIPTION, *q.subscription_update_values(changed))
    return changed


def list_attempts(
    organization_id: str, subscription_id: str, limit: int, skip: int
) -> Transaction[tuple[list[AttemptRow], bool] | None]:
    if (yield row(q.GET_SUBSCRIPTION, subscription_id, organization_id)) is None:
        return None
    found = yield rows(q.LIST_ATTEMPTS, organization_id, subscription_id, limit + 1, skip)
    return [q.attempt_from(values) for values in found[:limit]], len(found) > limit


def dispatch_events(dialect: Dialect, plan: Planner, now: int, limit: int) -> Transaction[int]:
    pending = yield rows(UNDISPATCHED.format(false=dialect.false), limit, lock=SKIP_LOCKED)
    if not pending:
        return 0
    sql, args = q.subscriptions_of(dialect, sorted({values[1] for values in pending}))
    by_organization: dict[str, list[SubscriptionRow]] = {}
    for found in (yield rows(sql, *args)):
        subscription = q.subscription_from(found)
        by_organization.setdefault(subscription.organization_id, []).append(subscription)
    deliveries = []
    for _, organization_id, event_id, document in pending:
        subscriptions = by_organization.get(organization_id, [])
        for subscription_id, body in plan(document, subscriptions) if subscriptions else []:
            deliveries.append((organization_id, subscription_id, event_id, body, now, now))
    yield run_many(q.INSERT_DELIVERY, deliveries)
    marks: list[object] = []
    done = dialect.param(marks, True)
    where = dialect.one_of("seq", [values[0] for values in pending], marks)
    yield run(f"UPDATE event SET dispatched = {done} WHERE {where}", *marks)
    return len(pending)


def claim_deliveries(
    dialect: Dialect, now: int, lease_until: int, limit: int
) -> Transaction[list[Claim]]:
    due = yield rows(q.DUE_DELIVERIES, now, limit, lock=" FOR UPDATE OF d SKIP LOCKED")
    claims = [q.claim_from(values) for values in due]
    if claims:
        marks: list[object] = []
        lease = dialect.param(marks, lease_until)
        where = dialect.one_of("seq", [claim.seq for claim in claims], marks)
        yield run(f"UPDATE webhook_delivery SET next_attempt_at = {lease} WHERE {where}", *marks)
    return claims


def record_attempts(results: Sequence[AttemptResult]) -> Transaction[None]:
    for result in results:
        claim = result.claim
        yield run(q.INSERT_ATTEMPT, *q.attempt_values(result))
        yield run(q.FINISH_ATTEMPT, result.delivery_status, result.next_attempt_at, claim.seq)
        if result.succeeded:
            yield run(q.SUBSCRIPTION_SUCCEEDED, claim.subscription_id)
        else:
            yield run(q.SUBSCRIPTION_FAILED, result.date_attempted, claim.subscription_id)
        if result.pause:
            yield run(q.PAUSE_SUBSCRIPTION, claim.subscription_id)


def prune(events_before: int, log_before: int) -> Transaction[int]:
    for statement in q.PRUNE:
        yield run(statement, log_before)
    return int((yield run(PRUNE_EVENTS, events_before, True)))


class WebhookStore:
    """The event log and webhooks; the deliverer's methods span organizations."""

    db: Driver

    async def get_event(self, organization_id: str, event_id: str) -> bytes | None:
        found = value(q.GET_EVENT, event_id, organization_id)
        document: bytes | None = await self.db.read(tenant(organization_id), one, found)
        return document

    async def list_events(self, organization_id: str, query: EventQuery) -> list[EventEntry]:
        """Up to `query.limit + 1` events past the cursor, nearest first."""
        sql, args = q.list_events_sql(self.db.dialect, organization_id, query)
        return q.entries(await self.db.read(tenant(organization_id), one, rows(sql, *args)))

    async def insert_subscription(self, row: SubscriptionRow, *, limit: int) -> bool:
        """Add a subscription unless its organization already has `limit`."""
        return await self.db.write(tenant(row.organization_id), insert_subscription, row, limit)

    async def get_subscription(
        self, organization_id: str, subscription_id: str
    ) -> SubscriptionRow | None:
        found = await self.db.read(
            tenant(organization_id), one, row(q.GET_SUBSCRIPTION, subscription_id, organization_id)
        )
        return q.subscription_from(found) if found else None

    async def list_subscriptions(self, organization_id: str) -> list[SubscriptionRow]:
        found = await self.db.read(
            tenant(organization_id), one, rows(q.LIST_SUBSCRIPTIONS, organization_id)
        )
        return [q.subscription_from(values) for values in found]

    async def update_subscription(
        self,
        organization_id: str,
        subscription_id: str,
        change: Callable[[SubscriptionRow], SubscriptionRow],
    ) -> SubscriptionRow | None:
        return await self.db.write(
            tenant(organization_id), update_subscription, organization_id, subscription_id, change
        )

    async def delete_subscription(self, organization_id: str, subscription_id: str) -> bool:
        delete = run(q.DELETE_SUBSCRIPTION, subscription_id, organization_id)
        return bool(await self.db.write(tenant(organization_id), one, delete) > 0)

    async def redeliver(
        self, organization_id: str, subscription_id: str, event_id: str, *, now: int
    ) -> bool:
        """Make the event's delivery to the subscription due at `now`; False if there is none."""
        due = run(q.REDELIVER, now, organization_id, subscription_id, event_id)
        return bool(await self.db.write(tenant(organization_id), one, due) > 0)

    async def list_attempts(
        self, organization_id: str, subscription_id: str, *, limit: int, skip: int
    ) -> tuple[list[AttemptRow], bool] | None:
        """A subscription's delivery log, newest first; None if there is no such subscription."""
        return await self.db.read(
            tenant(organization_id), list_attempts, organization_id, subscription_id, limit, skip
        )

    # The deliverer ---------------------------------------------------------------------
    async def dispatch_events(self, plan: Planner, *, now: int, limit: int) -> int:
        """Queue deliveries for up to `limit` new events; how many events were planned."""
        probe = ANY_UNDISPATCHED.format(false=self.db.dialect.false)
        if await self.db.idle(value(probe)):
            return 0
        return await self.db.write(DELIVERER, dispatch_events, self.db.dialect, plan, now, limit)

    async def claim_deliveries(self, *, now: int, lease_until: int, limit: int) -> list[Claim]:
        """Take due deliveries of active subscriptions that no other deliverer holds."""
        if await self.db.idle(value(ANY_DUE, now)):
            return []
        return await self.db.write(
            DELIVERER, claim_deliveries, self.db.dialect, now, lease_until, limit
        )

    async def record_attempts(self, results: Sequence[AttemptResult]) -> None:
        await self.db.write(DELIVERER, record_attempts, results)

    async def prune(self, *, events_before: int, log_before: int) -> int:
        """Forget events and finished deliveries past retention; how many events went."""
        return await self.db.write(DELIVERER, prune, events_before, log_before)
