"""Where rate-limit buckets live: this process's memory, PostgreSQL, or Redis."""

from __future__ import annotations

from typing import Protocol

from closecalls.domain.ratelimits import Rule, advance

# Sweep buckets that have refilled once per this many takes, so memory stays bounded.
SWEEP_EVERY = 10_000


class RateBuckets(Protocol):
    """Atomically take one request from a key's bucket and its organization's, or neither."""

    async def take(
        self, organization_id: str, key_bucket: str, org_bucket: str, now: int,
        key: Rule, organization: Rule,
    ) -> tuple[bool, int, int]:  # fmt: skip
        """(allowed, key tat, organization tat) after the attempt."""
        ...

    async def close(self) -> None: ...


class MemoryBuckets:
    """Buckets in this process: right for one SQLite server, which is one process."""

    def __init__(self) -> None:
        self._tats: dict[tuple[str, str], int] = {}
        self._takes = 0

    async def take(
        self, organization_id: str, key_bucket: str, org_bucket: str, now: int,
        key: Rule, organization: Rule,
    ) -> tuple[bool, int, int]:  # fmt: skip
        # No await between the read and the write: the event loop makes this atomic.
        key_id, org_id = (organization_id, key_bucket), (organization_id, org_bucket)
        key_tat, org_tat = self._tats.get(key_id, now), self._tats.get(org_id, now)
        key_next, org_next = advance(key_tat, now, key), advance(org_tat, now, organization)
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            self._sweep(now)
        if key_next is None or org_next is None:
            return False, key_tat, org_tat
        self._tats[key_id], self._tats[org_id] = key_next, org_next
        return True, key_next, org_next

    def _sweep(self, now: int) -> None:
        # A bucket whose tat has passed is full: the same as no entry at all.
        for bucket in [bucket for bucket, tat in self._tats.items() if tat <= now]:
            del self._tats[bucket]

    async def close(self) -> None:
        self._tats.clear()
