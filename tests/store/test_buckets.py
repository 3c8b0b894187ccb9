"""Rate-limit buckets in memory, in PostgreSQL and in Redis: one behaviour, taken atomically."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from closecalls.domain.ratelimits import Rule
from closecalls.store.buckets import MemoryBuckets, RateBuckets
from closecalls.store.postgres_buckets import PostgresBuckets
from closecalls.store.postgres_driver import PostgresDriver
from closecalls.store.redis_buckets import RedisBuckets
from closecalls.store.store import Store
from closecalls.testing.postgres import ScratchDatabases

KEY, ORG = Rule(4, 2.0), Rule(12, 2.0)


@pytest.fixture(
    params=["memory", pytest.param("postgresql", marks=pytest.mark.postgresql), "redis"]
)
def source(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Which buckets, and the URL of their server (a fresh database for PostgreSQL)."""
    if request.param == "postgresql":
        databases: ScratchDatabases = request.getfixturevalue("postgres_databases")
        url = databases.create()
        yield request.param, url
        databases.drop(url)
    elif request.param == "redis":
        yield request.param, request.getfixturevalue("redis_url")
    else:
        yield request.param, ""


@pytest.fixture
async def buckets(source: tuple[str, str]) -> AsyncIterator[RateBuckets]:
    kind, url = source
    if kind == "memory":
        yield MemoryBuckets()
    elif kind == "redis":
        redis = RedisBuckets(url)
        yield redis
        await redis.close()
    else:
        store = Store(PostgresDriver(url, pool_size=20))
        await store.open()
        yield PostgresBuckets(store.db)
        await store.close()


def organization() -> str:
    """A fresh organization per test: the Redis is shared by the whole run."""
    return f"orga_{uuid.uuid4().hex}"


async def test_a_key_takes_its_limit_then_is_refused_until_an_interval_passes(
    buckets: RateBuckets,
) -> None:
    org = organization()
    results = [await buckets.take(org, "key:a", "org", 100.0, KEY, ORG) for _ in range(5)]
    assert [allowed for allowed, _, _ in results] == [True, True, True, True, False]
    assert results[3][1] == pytest.approx(102.0)
    # Refused: nothing was taken, the bucket is as the fourth request left it.
    assert results[4][1] == pytest.approx(102.0)
    assert (await buckets.take(org, "key:a", "org", 100.49, KEY, ORG))[0] is False
    assert (await buckets.take(org, "key:a", "org", 100.5, KEY, ORG))[0] is True


async def test_the_organization_bucket_is_shared_by_its_keys(buckets: RateBuckets) -> None:
    org = organization()
    taken = [
        (await buckets.take(org, f"key:{key}", "org", 50.0, KEY, ORG))[0]
        for key in "abcd"
        for _ in range(4)
    ]
    assert taken == [True] * 12 + [False] * 4
    # The fourth key was refused by the organization and kept its own bucket whole.
    allowed, key_tat, org_tat = await buckets.take(org, "key:d", "org", 50.0, KEY, ORG)
    assert not allowed
    assert key_tat == pytest.approx(50.0)
    assert org_tat == pytest.approx(52.0)
    # Another organization's buckets are its own.
    assert (await buckets.take(organization(), "key:d", "org", 50.0, KEY, ORG))[0] is True


async def test_concurrent_takes_never_exceed_the_limit(buckets: RateBuckets) -> None:
    org = organization()
    wide = Rule(30, 60.0)
    results = await asyncio.gather(
        *(buckets.take(org, "key:a", "org", 10.0, wide, Rule(90, 60.0)) for _ in range(100))
    )
    assert sum(allowed for allowed, _, _ in results) == 30
