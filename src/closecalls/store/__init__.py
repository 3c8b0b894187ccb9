"""Open the store a database URL names."""

from __future__ import annotations

from closecalls.settings import Settings
from closecalls.store.base import Store
from closecalls.store.sqlite import SQLiteStore


def sqlite_path(database: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////abs.db` or a bare path, as a file path."""
    if database.startswith("sqlite:///"):
        return database.removeprefix("sqlite:///")
    if database.startswith("sqlite://"):
        raise ValueError("a SQLite URL names a file: sqlite:///path/to/file.db")
    return database


def create_store(settings: Settings) -> Store:
    """The store for `settings.database` (not yet open)."""
    database = settings.database
    if database.startswith(("postgres://", "postgresql://")):
        raise ValueError("PostgreSQL support is not built yet; use a SQLite file")
    return SQLiteStore(sqlite_path(database), synchronous=settings.sqlite_synchronous)
