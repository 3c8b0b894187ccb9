"""Idempotency-Key records in the store, on both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.idempotency import ClaimLost, IdempotencyKey, StoredKey
from tests.store.test_bulk import row

NOW = 1_800_000_000_000_000
DAY = 86_400_000_000


def key(tenant: Tenant, name: str = "k", fingerprint: str = "f") -> IdempotencyKey:
    return IdempotencyKey(tenant.organization.id, "cred_1", name, fingerprint)


Claim = Callable[..., Awaitable[StoredKey | None]]


@pytest.fixture
def claim(app: App) -> Claim:
    async def claim(idempotency: IdempotencyKey, now: int = NOW) -> StoredKey | None:
        return await app.services.store.claim_idempotency_key(
            idempotency, now=now, expires_at=now + DAY, stale_before=now - 60_000_000
        )

    return claim


async def test_a_claim_is_held_until_the_write_finishes_it(
    app: App, tenant: Tenant, claim: Claim
) -> None:
    first = key(tenant)
    assert await claim(first) is None
    assert await claim(first) == StoredKey("f", None, None)
    await app.services.store.insert_activity(row(tenant, 1), idempotency=first)
    assert await claim(key(tenant, fingerprint="other")) == StoredKey("f", 200, b'{"n":1}')


async def test_a_released_claim_is_free_and_a_finished_one_expires(
    app: App, tenant: Tenant, claim: Claim
) -> None:
    store = app.services.store
    assert await claim(key(tenant)) is None
    await store.release_idempotency_key(key(tenant))
    assert await claim(key(tenant)) is None
    await store.insert_activity(row(tenant, 1), idempotency=key(tenant))
    assert await claim(key(tenant), now=NOW + DAY - 1) is not None
    assert await claim(key(tenant), now=NOW + DAY) is None


async def test_a_write_whose_claim_was_lost_is_rolled_back(
    app: App, tenant: Tenant, claim: Claim
) -> None:
    store = app.services.store
    with pytest.raises(ClaimLost):
        await store.insert_activity(row(tenant, 1), idempotency=key(tenant, "never claimed"))
    assert await store.get_activity(tenant.organization.id, "Call", row(tenant, 1).id) is None
