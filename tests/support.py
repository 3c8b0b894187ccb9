"""Helpers shared by the tests."""

from __future__ import annotations

from closecalls.testing.server import LiveServer, free_port

__all__ = ["LiveServer", "free_port", "stored_activity_count"]


def stored_activity_count(database: str) -> int:
    """Rows in the activity table, read straight from the database file."""
    import sqlite3

    from closecalls.store import sqlite_path

    with sqlite3.connect(sqlite_path(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM activity").fetchone()[0])
