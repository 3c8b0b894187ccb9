"""The delivery log: webhook attempts' outcomes, a pass's at once or each on its own."""

from __future__ import annotations

from collections.abc import Sequence

from closecalls.store.events import AttemptResult
from closecalls.store.events_sql import (
    FINISH_ATTEMPT,
    INSERT_ATTEMPT,
    PAUSE_SUBSCRIPTION,
    SUBSCRIPTION_FAILED,
    SUBSCRIPTION_SUCCEEDED,
    attempt_values,
)
from closecalls.store.transaction import DELIVERER, FOR_UPDATE, Driver, Transaction, run, value

# Locked first, as a DELETE of the subscription locks it before its deliveries: the two
# then wait for each other in turn instead of deadlocking.
LOCK_SUBSCRIPTION = "SELECT 1 FROM webhook_subscription WHERE id = ?"


def record_attempt(result: AttemptResult) -> Transaction[bool]:
    """One attempt's outcome; False, writing nothing, if its subscription was deleted meanwhile."""
    claim = result.claim
    if (yield value(LOCK_SUBSCRIPTION, claim.subscription_id, lock=FOR_UPDATE)) is None:
        return False
    finished = yield run(FINISH_ATTEMPT, result.delivery_status, result.next_attempt_at, claim.seq)
    if not finished:  # the delivery was pruned while it was in flight
        return False
    yield run(INSERT_ATTEMPT, *attempt_values(result))
    if result.succeeded:
        yield run(SUBSCRIPTION_SUCCEEDED, claim.subscription_id)
    else:
        yield run(SUBSCRIPTION_FAILED, result.date_attempted, claim.subscription_id)
    if result.pause:
        yield run(PAUSE_SUBSCRIPTION, claim.subscription_id)
    return True


def record_attempts(results: Sequence[AttemptResult]) -> Transaction[int]:
    """A pass's attempts, subscriptions locked in one order so that passes never deadlock."""
    recorded = 0
    for result in sorted(
        results, key=lambda result: (result.claim.subscription_id, result.claim.seq)
    ):
        recorded += yield from record_attempt(result)
    return recorded


class DeliveryLogStore:
    """The store's delivery-log writes."""

    db: Driver

    async def record_attempts(self, results: Sequence[AttemptResult]) -> int:
        """A pass's attempts in one transaction; how many were recorded."""
        return await self.db.write(DELIVERER, record_attempts, results)

    async def record_attempt(self, result: AttemptResult) -> bool:
        """Record one attempt on its own, so that no other attempt's failure can undo it."""
        return await self.db.write(DELIVERER, record_attempt, result)
