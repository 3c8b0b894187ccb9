"""The store's half of Idempotency-Key: claim a key, finish it with the write, or release it."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from closecalls.domain.idempotency import ClaimLost, IdempotencyKey, StoredKey
from closecalls.store.sql import numbered

if TYPE_CHECKING:
    from closecalls.store.postgres import Connection

KEY_WHERE = "organization_id = ? AND credential_id = ? AND request_key = ?"
PURGE_EXPIRED = "DELETE FROM idempotency_key WHERE organization_id = ? AND expires_at <= ?"
DROP_STALE = f"DELETE FROM idempotency_key WHERE {KEY_WHERE} AND status IS NULL AND created_at <= ?"
CLAIM = (
    "INSERT INTO idempotency_key (organization_id, credential_id, request_key, fingerprint, "
    "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
GET = f"SELECT fingerprint, status, response FROM idempotency_key WHERE {KEY_WHERE}"
FINISH = f"UPDATE idempotency_key SET status = ?, response = ? WHERE {KEY_WHERE} AND status IS NULL"
RELEASE = f"DELETE FROM idempotency_key WHERE {KEY_WHERE} AND status IS NULL"


def _key(key: IdempotencyKey) -> tuple[str, str, str]:
    return key.organization_id, key.credential_id, key.key


def claim_sqlite(
    connection: sqlite3.Connection,
    key: IdempotencyKey,
    *,
    now: int,
    expires_at: int,
    stale_before: int,
) -> StoredKey | None:
    """Claim `key` for this request (None), or what an earlier request stored under it."""
    connection.execute(PURGE_EXPIRED, (key.organization_id, now))
    connection.execute(DROP_STALE, (*_key(key), stale_before))
    claimed = connection.execute(CLAIM, (*_key(key), key.fingerprint, now, expires_at))
    if claimed.rowcount == 1:
        return None
    row = connection.execute(GET, _key(key)).fetchone()
    return StoredKey(row[0], row[1], None if row[2] is None else bytes(row[2]))


def finish_sqlite(
    connection: sqlite3.Connection, key: IdempotencyKey, status: int, response: bytes
) -> None:
    """Record the answer, in the transaction of the write that made it."""
    if connection.execute(FINISH, (status, response, *_key(key))).rowcount != 1:
        raise ClaimLost


def release_sqlite(connection: sqlite3.Connection, key: IdempotencyKey) -> None:
    connection.execute(RELEASE, _key(key))


async def claim_postgres(
    connection: Connection,
    key: IdempotencyKey,
    *,
    now: int,
    expires_at: int,
    stale_before: int,
) -> StoredKey | None:
    """As claim_sqlite; a concurrent claim of the same key waits here for the first to commit."""
    await connection.execute(numbered(PURGE_EXPIRED), key.organization_id, now)
    await connection.execute(numbered(DROP_STALE), *_key(key), stale_before)
    status = await connection.execute(numbered(CLAIM), *_key(key), key.fingerprint, now, expires_at)
    if status.endswith(" 1"):
        return None
    row = await connection.fetchrow(numbered(GET), *_key(key))
    if row is None:  # released since our insert: a retry will find it free
        return StoredKey(key.fingerprint, None, None)
    return StoredKey(row[0], row[1], row[2])


async def finish_postgres(
    connection: Connection, key: IdempotencyKey, status: int, response: bytes
) -> None:
    done = await connection.execute(numbered(FINISH), status, response, *_key(key))
    if not done.endswith(" 1"):
        raise ClaimLost


async def release_postgres(connection: Connection, key: IdempotencyKey) -> None:
    await connection.execute(numbered(RELEASE), *_key(key))
