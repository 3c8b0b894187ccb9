"""The SQLite store: settings it runs with, migrations, persistence, tenancy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from closecalls.store.migrations import load_migrations
from closecalls.store.rows import ActivityRow, Organization, User
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store


def row(organization_id: str, activity_id: str) -> ActivityRow:
    return ActivityRow(activity_id, organization_id, "Call", None, None, None, 1, 1, b'{"id": 1}')


async def make_org(store: Store, organization_id: str) -> None:
    organization = Organization(organization_id, organization_id, "2026-01-01T00:00:00+00:00")
    user = User(
        f"user_{organization_id}", organization_id, "A", "B", None, organization.date_created
    )
    await store.create_organization(organization, user, [])


async def test_wal_and_full_synchronous_by_default(tmp_path: Path) -> None:
    store = Store(SQLiteDriver(tmp_path / "a.db"))
    await store.open()
    try:

        def pragmas(connection: sqlite3.Connection) -> tuple[str, int]:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            return mode, connection.execute("PRAGMA synchronous").fetchone()[0]

        assert await store.db.writer.submit(pragmas) == ("wal", 2)
    finally:
        await store.close()


async def test_data_and_migrations_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    store = Store(SQLiteDriver(path))
    await store.open()
    await make_org(store, "orga_1")
    await store.insert_activity(row("orga_1", "acti_1"))
    await store.close()

    again = Store(SQLiteDriver(path))
    await again.open()
    try:
        assert await again.get_activity("orga_1", "Call", "acti_1") == b'{"id": 1}'
    finally:
        await again.close()
    with sqlite3.connect(path) as connection:
        applied = connection.execute("SELECT count(*) FROM schema_migration").fetchone()[0]
        assert applied == len(load_migrations("sqlite"))
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_reads_are_scoped_to_the_organization(tmp_path: Path) -> None:
    store = Store(SQLiteDriver(tmp_path / "c.db"))
    await store.open()
    try:
        await make_org(store, "orga_1")
        await make_org(store, "orga_2")
        await store.insert_activity(row("orga_1", "acti_1"))
        assert await store.get_activity("orga_2", "Call", "acti_1") is None
        assert await store.get_activity("orga_1", "Other", "acti_1") is None
        assert await store.users_by_id("orga_2", ["user_orga_1"]) == []
    finally:
        await store.close()


async def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    store = Store(SQLiteDriver(tmp_path / "d.db"))
    await store.open()
    try:
        await make_org(store, "orga_1")
        await store.insert_activity(row("orga_1", "acti_1"))
        with pytest.raises(sqlite3.IntegrityError):
            await store.insert_activity(row("orga_1", "acti_1"))
    finally:
        await store.close()


def test_unknown_synchronous_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Store(SQLiteDriver(tmp_path / "e.db", synchronous="SOMETIMES"))
