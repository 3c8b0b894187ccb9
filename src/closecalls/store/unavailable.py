"""Which failures mean the database (or Redis) is briefly out of reach, not that we erred.

Such a failure is answered 503 with `Retry-After` after a bounded wait: the client retries,
and the server answers again once the database is back (each request opens what it needs).
"""

from __future__ import annotations

import sqlite3

import asyncpg
import redis.exceptions

# How long a write waits for a SQLite file another process has locked; the client then
# hears 503 and retries, rather than waiting SQLite's default of minutes or Python's 30 s.
SQLITE_BUSY_SECONDS = 5.0
# How long opening a PostgreSQL connection or reaching Redis may take before giving up.
CONNECT_SECONDS = 5.0
RETRY_AFTER_SECONDS = 1

# SQLite's primary result codes for a file that is busy, locked, read-only, failing,
# full or gone: the operator's to fix, not the request's.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 8, 10, 13, 14})
# PostgreSQL's error classes for a lost connection, exhausted resources, a server
# shutting down or starting up, and a standby that cannot write (a failover under way).
_POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "57P")
_POSTGRES_READ_ONLY = "25006"
# Refused, reset or timed-out connections (OSError covers TimeoutError), Redis's included.
_NETWORK = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database or Redis cannot be reached now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return state.startswith(_POSTGRES_UNAVAILABLE_CLASSES) or state == _POSTGRES_READ_ONLY
    if isinstance(error, asyncpg.InterfaceError):
        text = str(error)
        return "connection is closed" in text or "pool is closing" in text
    return isinstance(
        error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError | OSError
    )
