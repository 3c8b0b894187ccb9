"""The store's half of Idempotency-Key: claim a key, finish it with the write, or release it."""

from __future__ import annotations

from closecalls.domain.idempotency import ClaimLost, IdempotencyKey, StoredKey
from closecalls.store.transaction import Driver, Transaction, row, run, tenant

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


def claim_key(
    key: IdempotencyKey, *, now: int, expires_at: int, stale_before: int
) -> Transaction[StoredKey | None]:
    """Claim `key` for this request (None), or what an earlier request stored under it.

    On PostgreSQL a concurrent claim of the same key waits at the insert for the first
    to commit.
    """
    yield run(PURGE_EXPIRED, key.organization_id, now)
    yield run(DROP_STALE, *_key(key), stale_before)
    if (yield run(CLAIM, *_key(key), key.fingerprint, now, expires_at)) == 1:
        return None
    found = yield row(GET, *_key(key))
    if found is None:  # released since our insert: a retry will find it free
        return StoredKey(key.fingerprint, None, None)
    return StoredKey(found[0], found[1], found[2])


def finish_key(key: IdempotencyKey, status: int, response: bytes) -> Transaction[None]:
    """Record the answer, in the transaction of the write that made it."""
    if (yield run(FINISH, status, response, *_key(key))) != 1:
        raise ClaimLost


def release_key(key: IdempotencyKey) -> Transaction[None]:
    yield run(RELEASE, *_key(key))


class IdempotencyStore:
    """The store's Idempotency-Key methods (an extension, not Close), written once."""

    db: Driver

    async def claim_idempotency_key(
        self, key: IdempotencyKey, *, now: int, expires_at: int, stale_before: int
    ) -> StoredKey | None:
        """Claim the key for this request (None), or what an earlier request stored under it.

        Expired keys are forgotten first, and so is a claim left unfinished since
        `stale_before` (its process died).
        """
        return await self.db.write(
            tenant(key.organization_id), claim_key, key,
            now=now, expires_at=expires_at, stale_before=stale_before,
        )  # fmt: skip

    async def release_idempotency_key(self, key: IdempotencyKey) -> None:
        """Forget an unfinished claim: the request failed, and a retry may run it afresh."""
        await self.db.write(tenant(key.organization_id), release_key, key)
