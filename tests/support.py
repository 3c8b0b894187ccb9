"""Helpers shared by the tests."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from closecalls.store import sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.testing.postgres import each_tenant
from closecalls.testing.server import UNLIMITED, LiveServer, free_port

__all__ = ["UNLIMITED", "LiveServer", "free_port", "stored_activity_count"]


def stored_activity_count(database: str) -> int:
    """Rows in the activity table, read straight from the database."""
    if is_postgres_url(database):
        # On a thread of its own: callers may be inside a running event loop.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, _postgres_activity_count(database)).result()
    with sqlite3.connect(sqlite_path(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM activity").fetchone()[0])


async def _postgres_activity_count(url: str) -> int:
    """Every organization's rows, through the scopes row-level security allows."""
    total = 0
    async for _, connection in each_tenant(url):
        total += await connection.fetchval("SELECT count(*) FROM activity")
    return total
