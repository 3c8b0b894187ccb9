"""Rate-limit buckets in the PostgreSQL database: shared by every process and host on it."""

from __future__ import annotations

from closecalls.domain.ratelimits import EPSILON, Rule
from closecalls.store.postgres_driver import PostgresDriver

TAKE = "SELECT closecalls_take_rate($1, $2, $3, $4, $5, $6, $7, $8, $9)"


class PostgresBuckets:
    """Buckets as rows, taken by one function call (one round trip) per request."""

    def __init__(self, db: PostgresDriver) -> None:
        self.db = db

    async def take(
        self, organization_id: str, key_bucket: str, org_bucket: str, now: float,
        key: Rule, organization: Rule,
    ) -> tuple[bool, float, float]:  # fmt: skip
        async with self.db.connection() as connection:
            allowed, key_tat, org_tat = await connection.fetchval(
                TAKE, organization_id, key_bucket, org_bucket, now, key.interval, key.window,
                organization.interval, organization.window, EPSILON,
            )  # fmt: skip
        return allowed == 1, key_tat, org_tat

    async def close(self) -> None:
        """The store's driver owns the connections."""
