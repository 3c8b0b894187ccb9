"""The store's bulk paths on both backends: keyed imports, counts and streaming exports."""

from __future__ import annotations

from dataclasses import replace

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.listing import ActivityQuery, TimeRange
from closecalls.store.activities import activity_values
from closecalls.store.rows import ActivityRow


def row(tenant: Tenant, n: int) -> ActivityRow:
    return ActivityRow(
        id=f"acti_{tenant.organization.id[-6:]}{n:06d}", organization_id=tenant.organization.id,
        type="Call", lead_id=None, contact_id=None, user_id=tenant.user.id,
        date_created=1_700_000_000_000_000 + n, activity_at=1_700_000_000_000_000 + n,
        document=b'{"n":%d}' % n,
    )  # fmt: skip


OLDEST_FIRST = ActivityQuery(types=("Call",), order_field="date_created", descending=False)


async def exported(app: App, tenant: Tenant, query: ActivityQuery = OLDEST_FIRST) -> list[bytes]:
    documents: list[bytes] = []
    async for batch in app.services.store.export_activities(tenant.organization.id, query, batch=4):
        assert 0 < len(batch) <= 4
        documents += batch
    return documents


async def test_import_skips_known_keys_and_repeats_within_a_batch(app: App, tenant: Tenant) -> None:
    store = app.services.store
    organization_id = tenant.organization.id
    first = [(f"k{n}", activity_values(row(tenant, n))) for n in range(5)]
    assert await store.import_activities(organization_id, first) == 5
    again = [
        (key, activity_values(row(tenant, n))) for key, n in (("k1", 10), ("k9", 11), ("k9", 12))
    ]
    assert await store.import_activities(organization_id, again) == 1
    assert await exported(app, tenant) == [b'{"n":%d}' % n for n in (0, 1, 2, 3, 4, 11)]


async def test_export_streams_the_query_in_order_and_counts_it(app: App, tenant: Tenant) -> None:
    store = app.services.store
    organization_id = tenant.organization.id
    await store.import_activities(
        organization_id, [(str(n), activity_values(row(tenant, n))) for n in range(10)]
    )
    newest_first = replace(OLDEST_FIRST, descending=True)
    assert await exported(app, tenant, newest_first) == [b'{"n":%d}' % n for n in range(9, -1, -1)]
    window = replace(
        OLDEST_FIRST,
        date_created=TimeRange(1_700_000_000_000_003, 1_700_000_000_000_007),
    )
    assert await exported(app, tenant, window) == [b'{"n":%d}' % n for n in range(3, 7)]
    assert await store.count_activities(organization_id, window) == 4
    assert await store.count_activities(organization_id, OLDEST_FIRST) == 10
    nothing = replace(OLDEST_FIRST, lead_ids=())
    assert await exported(app, tenant, nothing) == []
    assert await store.count_activities(organization_id, nothing) == 0


async def test_each_organization_imports_and_exports_only_its_own(
    app: App, tenant: Tenant, other_tenant: Tenant
) -> None:
    store = app.services.store
    await store.import_activities(
        tenant.organization.id, [("same", activity_values(row(tenant, 1)))]
    )
    assert (
        await store.import_activities(
            other_tenant.organization.id, [("same", activity_values(row(other_tenant, 2)))]
        )
        == 1
    )
    assert await exported(app, tenant) == [b'{"n":1}']
    assert await exported(app, other_tenant) == [b'{"n":2}']
