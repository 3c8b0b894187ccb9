"""The event log, webhook subscriptions and delivery queue on PostgreSQL.

Deliverers in any number of processes claim with `FOR UPDATE SKIP LOCKED`, so no two
take the same delivery; they see every organization through the `deliverer` policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from closecalls.domain.eventlog import EventQuery
from closecalls.store import events_sql as q
from closecalls.store.events import (
    AttemptResult,
    AttemptRow,
    Claim,
    EventEntry,
    EventRow,
    Planner,
    SubscriptionRow,
)
from closecalls.store.sql import POSTGRES, numbered

if TYPE_CHECKING:
    from closecalls.store.postgres_driver import Connection

# What the deliverer policy reads (migrations/postgresql/0004_events_webhooks.sql).
DELIVERER = "closecalls.deliverer"

INSERT_EVENT = numbered(q.INSERT_EVENT)
GET_EVENT = numbered(q.GET_EVENT)
INSERT_SUBSCRIPTION = numbered(q.INSERT_SUBSCRIPTION)
COUNT_SUBSCRIPTIONS = numbered(q.COUNT_SUBSCRIPTIONS)
GET_SUBSCRIPTION = numbered(q.GET_SUBSCRIPTION)
LIST_SUBSCRIPTIONS = numbered(q.LIST_SUBSCRIPTIONS)
UPDATE_SUBSCRIPTION = numbered(q.UPDATE_SUBSCRIPTION)
DELETE_SUBSCRIPTION = numbered(q.DELETE_SUBSCRIPTION)
LIST_ATTEMPTS = numbered(q.LIST_ATTEMPTS)
REDELIVER = numbered(q.REDELIVER)
INSERT_DELIVERY = numbered(q.INSERT_DELIVERY)
DUE_DELIVERIES = numbered(q.DUE_DELIVERIES) + " FOR UPDATE OF d SKIP LOCKED"
INSERT_ATTEMPT = numbered(q.INSERT_ATTEMPT)
FINISH_ATTEMPT = numbered(q.FINISH_ATTEMPT)
SUBSCRIPTION_SUCCEEDED = numbered(q.SUBSCRIPTION_SUCCEEDED)
SUBSCRIPTION_FAILED = numbered(q.SUBSCRIPTION_FAILED)
PAUSE_SUBSCRIPTION = numbered(q.PAUSE_SUBSCRIPTION)
UNDISPATCHED = (
    "SELECT seq, organization_id, id, document FROM event WHERE NOT dispatched "
    "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED"
)


async def insert_events(connection: Connection, events: Sequence[EventRow]) -> None:
    """Write events inside the caller's transaction: the change and its events commit together."""
    if events:
        await connection.executemany(INSERT_EVENT, [q.event_values(event) for event in events])


class PostgresWebhooks:
    """WebhookStore methods for PostgresStore."""

    def tenant(self, organization_id: str) -> AbstractAsyncContextManager[Connection]:
        raise NotImplementedError

    def transaction(self, **scope: str) -> AbstractAsyncContextManager[Connection]:
        raise NotImplementedError

    def _deliverer(self) -> AbstractAsyncContextManager[Connection]:
        return self.transaction(**{DELIVERER: "on"})

    async def get_event(self, organization_id: str, event_id: str) -> bytes | None:
        async with self.tenant(organization_id) as connection:
            document: bytes | None = await connection.fetchval(GET_EVENT, event_id, organization_id)
        return document

    async def list_events(self, organization_id: str, query: EventQuery) -> list[EventEntry]:
        sql, args = q.list_events_sql(POSTGRES, organization_id, query)
        async with self.tenant(organization_id) as connection:
            return q.entries([tuple(row) for row in await connection.fetch(sql, *args)])

    async def insert_subscription(self, row: SubscriptionRow, *, limit: int) -> bool:
        async with self.tenant(row.organization_id) as connection:
            # Concurrent creates in one organization take turns, so the limit holds.
            await connection.execute(
                "SELECT id FROM organization WHERE id = $1 FOR UPDATE", row.organization_id
            )
            if await connection.fetchval(COUNT_SUBSCRIPTIONS, row.organization_id) >= limit:
                return False
            await connection.execute(INSERT_SUBSCRIPTION, *q.subscription_values(row))
        return True

    async def get_subscription(
        self, organization_id: str, subscription_id: str
    ) -> SubscriptionRow | None:
        async with self.tenant(organization_id) as connection:
            found = await connection.fetchrow(GET_SUBSCRIPTION, subscription_id, organization_id)
        return q.subscription_from(tuple(found)) if found else None

    async def list_subscriptions(self, organization_id: str) -> list[SubscriptionRow]:
        async with self.tenant(organization_id) as connection:
            rows = await connection.fetch(LIST_SUBSCRIPTIONS, organization_id)
        return [q.subscription_from(tuple(row)) for row in rows]

    async def update_subscription(
        self,
        organization_id: str,
        subscription_id: str,
        change: Callable[[SubscriptionRow], SubscriptionRow],
    ) -> SubscriptionRow | None:
        async with self.tenant(organization_id) as connection:
            found = await connection.fetchrow(
                GET_SUBSCRIPTION + " FOR UPDATE", subscription_id, organization_id
            )
            if found is None:
                return None
            row = change(q.subscription_from(tuple(found)))
            await connection.execute(UPDATE_SUBSCRIPTION, *q.subscription_update_values(row))
        return row

    async def delete_subscription(self, organization_id: str, subscription_id: str) -> bool:
        async with self.tenant(organization_id) as connection:
            status = await connection.execute(DELETE_SUBSCRIPTION, subscription_id, organization_id)
        return status.endswith(" 1")

    async def redeliver(
        self, organization_id: str, subscription_id: str, event_id: str, *, now: int
    ) -> bool:
        async with self.tenant(organization_id) as connection:
            status = await connection.execute(
                REDELIVER, now, organization_id, subscription_id, event_id
            )
        return status.endswith(" 1")

    async def list_attempts(
        self, organization_id: str, subscription_id: str, *, limit: int, skip: int
    ) -> tuple[list[AttemptRow], bool] | None:
        async with self.tenant(organization_id) as connection:
            if not await connection.fetchval(GET_SUBSCRIPTION, subscription_id, organization_id):
                return None
            rows = await connection.fetch(
                LIST_ATTEMPTS, organization_id, subscription_id, limit + 1, skip
            )
        return [q.attempt_from(tuple(row)) for row in rows[:limit]], len(rows) > limit

    # The deliverer ---------------------------------------------------------------------
    async def dispatch_events(self, plan: Planner, *, now: int, limit: int) -> int:
        async with self._deliverer() as connection:
            pending = await connection.fetch(UNDISPATCHED, limit)
            if not pending:
                return 0
            organizations = sorted({row[1] for row in pending})
            sql, args = q.subscriptions_of(POSTGRES, organizations)
            by_organization: dict[str, list[SubscriptionRow]] = {}
            for found in await connection.fetch(sql, *args):
                subscription = q.subscription_from(tuple(found))
                by_organization.setdefault(subscription.organization_id, []).append(subscription)
            deliveries: list[tuple[Any, ...]] = []
            for _, organization_id, event_id, document in pending:
                subscriptions = by_organization.get(organization_id, [])
                for subscription_id, body in plan(document, subscriptions) if subscriptions else []:
                    deliveries.append((organization_id, subscription_id, event_id, body, now, now))
            if deliveries:
                await connection.executemany(INSERT_DELIVERY, deliveries)
            await connection.execute(
                "UPDATE event SET dispatched = true WHERE seq = ANY($1)",
                [row[0] for row in pending],
            )
        return len(pending)

    async def claim_deliveries(self, *, now: int, lease_until: int, limit: int) -> list[Claim]:
        async with self._deliverer() as connection:
            claims = [q.claim_from(tuple(row)) for row in await connection.fetch(
                DUE_DELIVERIES, now, limit
            )]  # fmt: skip
            if claims:
                await connection.execute(
                    "UPDATE webhook_delivery SET next_attempt_at = $1 WHERE seq = ANY($2)",
                    lease_until, [claim.seq for claim in claims],
                )  # fmt: skip
        return claims

    async def record_attempts(self, results: Sequence[AttemptResult]) -> None:
        async with self._deliverer() as connection:
            for result in results:
                claim = result.claim
                await connection.execute(INSERT_ATTEMPT, *q.attempt_values(result))
                await connection.execute(
                    FINISH_ATTEMPT, result.delivery_status, result.next_attempt_at, claim.seq
                )
                if result.succeeded:
                    await connection.execute(SUBSCRIPTION_SUCCEEDED, claim.subscription_id)
                else:
                    await connection.execute(
                        SUBSCRIPTION_FAILED, result.date_attempted, claim.subscription_id
                    )
                if result.pause:
                    await connection.execute(PAUSE_SUBSCRIPTION, claim.subscription_id)

    async def prune(self, *, events_before: int, log_before: int) -> int:
        async with self._deliverer() as connection:
            for statement in q.PRUNE:
                await connection.execute(numbered(statement), log_before)
            status = await connection.execute(
                "DELETE FROM event WHERE date_created < $1 AND dispatched", events_before
            )
        return int(status.rsplit(" ", 1)[-1])
