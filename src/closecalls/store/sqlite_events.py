"""The event log, webhook subscriptions and delivery queue on SQLite (the one writer claims)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from closecalls.domain.eventlog import EventQuery
from closecalls.store import events_sql as q
from closecalls.store.events import (
    AttemptRow,
    Claim,
    EventEntry,
    EventRow,
    Planner,
    SubscriptionRow,
)
from closecalls.store.sql import SQLITE
from closecalls.store.writer import GroupCommitWriter

ANY_UNDISPATCHED = "SELECT 1 FROM event WHERE dispatched = 0 LIMIT 1"
ANY_DUE = "SELECT 1 FROM webhook_delivery WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1"
UNDISPATCHED = (
    "SELECT seq, organization_id, id, document FROM event WHERE dispatched = 0 ORDER BY seq LIMIT ?"
)


def insert_events(connection: sqlite3.Connection, events: Sequence[EventRow]) -> None:
    """Write events inside the caller's transaction: the change and its events commit together."""
    if events:
        connection.executemany(q.INSERT_EVENT, [q.event_values(event) for event in events])


class SQLiteWebhooks:
    """WebhookStore methods for SQLiteStore; its writer thread serialises every claim."""

    _writer: GroupCommitWriter

    @property
    def reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    async def get_event(self, organization_id: str, event_id: str) -> bytes | None:
        row = self.reader.execute(q.GET_EVENT, (event_id, organization_id)).fetchone()
        return bytes(row[0]) if row else None

    async def list_events(self, organization_id: str, query: EventQuery) -> list[EventEntry]:
        sql, args = q.list_events_sql(SQLITE, organization_id, query)
        return q.entries(self.reader.execute(sql, args).fetchall())

    async def insert_subscription(self, row: SubscriptionRow, *, limit: int) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            count = connection.execute(q.COUNT_SUBSCRIPTIONS, (row.organization_id,)).fetchone()
            if count[0] >= limit:
                return False
            connection.execute(q.INSERT_SUBSCRIPTION, q.subscription_values(row))
            return True

        return await self._writer.submit(write)

    async def get_subscription(
        self, organization_id: str, subscription_id: str
    ) -> SubscriptionRow | None:
        row = self.reader.execute(q.GET_SUBSCRIPTION, (subscription_id, organization_id))
        found = row.fetchone()
        return q.subscription_from(found) if found else None

    async def list_subscriptions(self, organization_id: str) -> list[SubscriptionRow]:
        rows = self.reader.execute(q.LIST_SUBSCRIPTIONS, (organization_id,)).fetchall()
        return [q.subscription_from(row) for row in rows]

    async def update_subscription(
        self,
        organization_id: str,
        subscription_id: str,
        change: Callable[[SubscriptionRow], SubscriptionRow],
    ) -> SubscriptionRow | None:
        def write(connection: sqlite3.Connection) -> SubscriptionRow | None:
            found = connection.execute(
                q.GET_SUBSCRIPTION, (subscription_id, organization_id)
            ).fetchone()
            if found is None:
                return None
            row = change(q.subscription_from(found))
            connection.execute(q.UPDATE_SUBSCRIPTION, q.subscription_update_values(row))
            return row

        return await self._writer.submit(write)

    async def delete_subscription(self, organization_id: str, subscription_id: str) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(q.DELETE_SUBSCRIPTION, (subscription_id, organization_id))
            return cursor.rowcount > 0

        return await self._writer.submit(write)

    async def redeliver(
        self, organization_id: str, subscription_id: str, event_id: str, *, now: int
    ) -> bool:
        def write(connection: sqlite3.Connection) -> bool:
            values = (now, organization_id, subscription_id, event_id)
            return connection.execute(q.REDELIVER, values).rowcount > 0

        return await self._writer.submit(write)

    async def list_attempts(
        self, organization_id: str, subscription_id: str, *, limit: int, skip: int
    ) -> tuple[list[AttemptRow], bool] | None:
        if await self.get_subscription(organization_id, subscription_id) is None:
            return None
        rows = self.reader.execute(
            q.LIST_ATTEMPTS, (organization_id, subscription_id, limit + 1, skip)
        ).fetchall()
        return [q.attempt_from(row) for row in rows[:limit]], len(rows) > limit

    # The deliverer ---------------------------------------------------------------------
    async def dispatch_events(self, plan: Planner, *, now: int, limit: int) -> int:
        # An idle deliverer asks the reader, not the writer that creates queue behind.
        if self.reader.execute(ANY_UNDISPATCHED).fetchone() is None:
            return 0

        def write(connection: sqlite3.Connection) -> int:
            pending = connection.execute(UNDISPATCHED, (limit,)).fetchall()
            if not pending:
                return 0
            organizations = sorted({row[1] for row in pending})
            sql, args = q.subscriptions_of(SQLITE, organizations)
            by_organization: dict[str, list[SubscriptionRow]] = {}
            for found in connection.execute(sql, args).fetchall():
                subscription = q.subscription_from(found)
                by_organization.setdefault(subscription.organization_id, []).append(subscription)
            for _, organization_id, event_id, document in pending:
                subscriptions = by_organization.get(organization_id, [])
                planned = plan(bytes(document), subscriptions) if subscriptions else []
                connection.executemany(
                    q.INSERT_DELIVERY,
                    [(organization_id, subscription_id, event_id, body, now, now)
                     for subscription_id, body in planned],
                )  # fmt: skip
            connection.executemany(
                "UPDATE event SET dispatched = 1 WHERE seq = ?", [(row[0],) for row in pending]
            )
            return len(pending)

        return await self._writer.submit(write)

    async def claim_deliveries(self, *, now: int, lease_until: int, limit: int) -> list[Claim]:
        if self.reader.execute(ANY_DUE, (now,)).fetchone() is None:
            return []

        def write(connection: sqlite3.Connection) -> list[Claim]:
            claims = [
                q.claim_from(row)
                for row in connection.execute(q.DUE_DELIVERIES, (now, limit)).fetchall()
            ]
            connection.executemany(
                "UPDATE webhook_delivery SET next_attempt_at = ? WHERE seq = ?",
                [(lease_until, claim.seq) for claim in claims],
            )
            return claims

        return await self._writer.submit(write)

    async def prune(self, *, events_before: int, log_before: int) -> int:
        def write(connection: sqlite3.Connection) -> int:
            for statement in q.PRUNE:
                connection.execute(statement, (log_before,))
            cursor = connection.execute(
                "DELETE FROM event WHERE date_created < ? AND dispatched = 1", (events_before,)
            )
            return cursor.rowcount

        return await self._writer.submit(write)
