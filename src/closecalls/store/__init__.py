"""Open the store a database URL names."""

from __future__ import annotations

from closecalls.settings import Settings
from closecalls.store.base import Store
from closecalls.store.buckets import MemoryBuckets, RateBuckets
from closecalls.store.migrations import Migration
from closecalls.store.postgres import PostgresStore, is_postgres_url
from closecalls.store.postgres_buckets import PostgresBuckets
from closecalls.store.redis_buckets import RedisBuckets
from closecalls.store.sqlite import SQLiteStore


def sqlite_path(database: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////abs.db` or a bare path, as a file path."""
    if database.startswith("sqlite:///"):
        return database.removeprefix("sqlite:///")
    if database.startswith("sqlite://"):
        raise ValueError("a SQLite URL names a file: sqlite:///path/to/file.db")
    return database


def backend_for(settings: Settings) -> SQLiteStore | PostgresStore:
    """The concrete store for `settings.database` (not yet open)."""
    if is_postgres_url(settings.database):
        return PostgresStore(settings.database, pool_size=settings.postgres_pool_size)
    return SQLiteStore(sqlite_path(settings.database), synchronous=settings.sqlite_synchronous)


def create_store(settings: Settings) -> Store:
    """The store for `settings.database` (not yet open): PostgreSQL or a SQLite file."""
    return backend_for(settings)


def rate_buckets(settings: Settings, store: Store) -> RateBuckets:
    """Where the rate-limit buckets live: Redis if named, else PostgreSQL, else this process."""
    if settings.redis:
        return RedisBuckets(settings.redis)
    if isinstance(store, PostgresStore):
        return PostgresBuckets(store)
    # One SQLite file has one server process (Settings refuses more workers).
    return MemoryBuckets()


async def migrate(settings: Settings) -> list[Migration]:
    """Bring the database's schema up to date; the migrations this applied, in order."""
    store = backend_for(settings)
    await store.open()
    await store.close()
    return store.applied
