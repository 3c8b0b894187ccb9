"""Open the store a database URL names."""

from __future__ import annotations

from closecalls.settings import Settings
from closecalls.store.buckets import MemoryBuckets, RateBuckets
from closecalls.store.migrations import Migration
from closecalls.store.postgres_buckets import PostgresBuckets
from closecalls.store.postgres_driver import PostgresDriver, is_postgres_url
from closecalls.store.redis_buckets import RedisBuckets
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store


def sqlite_path(database: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////abs.db` or a bare path, as a file path."""
    if database.startswith("sqlite:///"):
        return database.removeprefix("sqlite:///")
    if database.startswith("sqlite://"):
        raise ValueError("a SQLite URL names a file: sqlite:///path/to/file.db")
    return database


def create_store(settings: Settings) -> Store:
    """The store for `settings.database` (not yet open): PostgreSQL or a SQLite file."""
    if is_postgres_url(settings.database):
        return Store(PostgresDriver(settings.database, pool_size=settings.postgres_pool_size))
    path = sqlite_path(settings.database)
    return Store(SQLiteDriver(path, synchronous=settings.sqlite_synchronous))


def rate_buckets(settings: Settings, store: Store) -> RateBuckets:
    """Where the rate-limit buckets live: Redis if named, else PostgreSQL, else this process."""
    if settings.redis:
        return RedisBuckets(settings.redis)
    if isinstance(store.db, PostgresDriver):
        return PostgresBuckets(store.db)
    # One SQLite file has one server process (Settings refuses more workers).
    return MemoryBuckets()


async def migrate(settings: Settings) -> list[Migration]:
    """Bring the database's schema up to date; the migrations this applied, in order."""
    store = create_store(settings)
    await store.open()
    await store.close()
    return store.applied
