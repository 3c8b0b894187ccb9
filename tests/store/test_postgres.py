"""The PostgreSQL store: migrations, row-level security beneath the store, persistence."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from closecalls.store.migrations import load_migrations
from closecalls.store.postgres_driver import CREDENTIAL_LOOKUP, DIRECTORY, TENANT, PostgresDriver
from closecalls.store.rows import ActivityRow, Credential, Organization, User
from closecalls.store.store import Store
from closecalls.testing.postgres import ScratchDatabases

pytestmark = pytest.mark.postgresql


def row(organization_id: str, activity_id: str) -> ActivityRow:
    return ActivityRow(activity_id, organization_id, "Call", None, None, None, 1, 1, b'{"id": 1}')


async def make_org(store: Store, organization_id: str) -> None:
    organization = Organization(organization_id, organization_id, "2026-01-01T00:00:00+00:00")
    user = User(
        f"user_{organization_id}", organization_id, "A", "B", None, organization.date_created
    )
    credential = Credential(
        f"api_{organization_id}", "api_key", organization_id, user.id,
        f"lookup_{organization_id}", b"hash", organization.date_created,
    )  # fmt: skip
    await store.create_organization(organization, user, [credential])


@pytest.fixture
def url(postgres_databases: ScratchDatabases) -> Iterator[str]:
    database = postgres_databases.create()
    yield database
    postgres_databases.drop(database)


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    opened = Store(PostgresDriver(url, pool_size=2))
    await opened.open()
    try:
        await make_org(opened, "orga_1")
        await make_org(opened, "orga_2")
        await opened.insert_activities([row("orga_1", "acti_1"), row("orga_2", "acti_2")])
        yield opened
    finally:
        await opened.close()


TENANT_TABLES = """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT count(*) FROM pg_policies p
            WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS policies
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND (c.relname = 'organization'
          OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                     AND a.attname = 'organization_id' AND NOT a.attisdropped))
"""


async def test_every_table_with_tenant_rows_has_forced_row_level_security(url: str) -> None:
    store = Store(PostgresDriver(url, pool_size=1))
    await store.open()
    try:
        async with store.db.pool.acquire() as connection:
            tables = await connection.fetch(TENANT_TABLES)
    finally:
        await store.close()
    assert {"organization", "user", "credential", "activity"} <= {t["relname"] for t in tables}
    for table in tables:
        assert table["relrowsecurity"], f"{table['relname']}: row-level security is off"
        assert table["relforcerowsecurity"], f"{table['relname']}: not forced on its owner"
        assert table["policies"] > 0, f"{table['relname']}: no policy"


async def test_the_app_role_is_bound_by_row_level_security(store: Store) -> None:
    async with store.db.pool.acquire() as connection:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        owner = await connection.fetchval(
            "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class "
            "WHERE relname = 'activity'"
        )
    assert (role["rolsuper"], role["rolbypassrls"], owner) == (False, False, True)


async def test_a_query_without_the_organization_sees_nothing(store: Store) -> None:
    async with store.db.pool.acquire() as connection:
        for table in ("organization", '"user"', "credential", "activity"):
            assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    async with store.db.transaction() as connection:
        assert await connection.fetchval("SELECT count(*) FROM activity") == 0


async def test_a_transaction_sees_only_the_organization_it_names(store: Store) -> None:
    async with store.db.tenant("orga_1") as connection:
        # No WHERE clause at all: row-level security alone keeps orga_2 out.
        assert [r[0] for r in await connection.fetch("SELECT id FROM activity")] == ["acti_1"]
        assert [r[0] for r in await connection.fetch('SELECT id FROM "user"')] == ["user_orga_1"]
        assert await connection.fetchval("SELECT count(*) FROM organization") == 1


async def test_rows_of_another_organization_cannot_be_written(store: Store) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with store.db.tenant("orga_1") as connection:
            await connection.execute(
                "INSERT INTO activity (id, organization_id, type, date_created, activity_at, "
                "document) VALUES ('acti_x', 'orga_2', 'Call', 1, 1, '')"
            )
    async with store.db.tenant("orga_1") as connection:
        changed = await connection.execute("UPDATE activity SET document = '' WHERE id = 'acti_2'")
    assert changed == "UPDATE 0"
    assert await store.get_activity("orga_2", "Call", "acti_2") == b'{"id": 1}'


async def test_the_unscoped_ways_in_reveal_no_tenant_rows(store: Store) -> None:
    async with store.db.transaction(**{CREDENTIAL_LOOKUP: "lookup_orga_1"}) as connection:
        assert [r[0] for r in await connection.fetch("SELECT id FROM credential")] == ["api_orga_1"]
        assert await connection.fetchval('SELECT count(*) FROM "user"') == 0
        assert await connection.fetchval("SELECT count(*) FROM activity") == 0
    async with store.db.transaction(**{DIRECTORY: "on"}) as connection:
        assert await connection.fetchval("SELECT count(*) FROM organization") == 2
        for table in ('"user"', "credential", "activity"):
            assert await connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("INSERT INTO organization (id, name, date_created) "
                                     "VALUES ('orga_3', 'x', 'x')")  # fmt: skip


async def test_settings_last_only_for_their_transaction(store: Store) -> None:
    async with store.db.tenant("orga_1") as connection:
        assert await connection.fetchval("SELECT current_setting($1, true)", TENANT) == "orga_1"
    async with store.db.pool.acquire() as connection:
        assert not await connection.fetchval("SELECT current_setting($1, true)", TENANT)
        assert await connection.fetchval("SELECT count(*) FROM activity") == 0


async def test_the_store_finds_credentials_and_first_organization(store: Store) -> None:
    match = await store.find_credential("api_key", "lookup_orga_2")
    assert match is not None
    assert (match.credential.organization_id, match.user_name) == ("orga_2", "A B")
    assert await store.find_credential("access_token", "lookup_orga_2") is None
    first = await store.first_organization()
    assert first is not None and first.id == "orga_1"
    assert await store.revoke_credential("api_key", "lookup_orga_2", b"hash")
    assert not await store.revoke_credential("api_key", "lookup_orga_2", b"hash")
    revoked = await store.find_credential("api_key", "lookup_orga_2")
    assert revoked is not None and revoked.credential.revoked


async def test_reads_are_scoped_to_the_organization(store: Store) -> None:
    assert await store.get_activity("orga_2", "Call", "acti_1") is None
    assert await store.get_activity("orga_1", "Other", "acti_1") is None
    assert await store.users_by_id("orga_2", ["user_orga_1"]) == []
    assert await store.get_organization("orga_2", "orga_1") is None


async def test_duplicate_ids_are_refused(store: Store) -> None:
    with pytest.raises(asyncpg.UniqueViolationError):
        await store.insert_activity(row("orga_1", "acti_1"))


async def test_a_refused_update_changes_nothing(store: Store) -> None:
    def refuse(document: bytes) -> ActivityRow:
        raise ValueError("no")

    with pytest.raises(ValueError):
        await store.update_activity("orga_1", "Call", "acti_1", refuse)
    assert await store.get_activity("orga_1", "Call", "acti_1") == b'{"id": 1}'
    # The connection went back to the pool clean and still works.
    assert await store.get_activity("orga_1", "Call", "acti_1") == b'{"id": 1}'


async def test_data_and_migrations_survive_reopening(store: Store, url: str) -> None:
    again = Store(PostgresDriver(url, pool_size=1))
    await again.open()
    try:
        assert again.applied == []
        assert await again.get_activity("orga_1", "Call", "acti_1") == b'{"id": 1}'
        async with again.db.pool.acquire() as connection:
            versions = [
                r[0] for r in await connection.fetch("SELECT version FROM schema_migration")
            ]
    finally:
        await again.close()
    assert versions == [migration.version for migration in load_migrations("postgresql")]


def test_processes_migrating_at_once_apply_each_migration_once(
    postgres_databases: ScratchDatabases,
) -> None:
    url = postgres_databases.create(migrated=False)
    command = [sys.executable, "-m", "closecalls", "migrate", "--database", url]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    recorded = asyncio.run(_recorded_versions(url))
    postgres_databases.drop(url)
    assert all(process.returncode == 0 for process in processes), outputs
    printed = "".join(out for out, _ in outputs)
    migrations = load_migrations("postgresql")
    for migration in migrations:
        assert printed.count(f"applied {migration.version:04d}_{migration.name}") == 1
    assert printed.count("schema up to date") == 4
    assert recorded == [migration.version for migration in migrations]


async def _recorded_versions(url: str) -> list[int]:
    connection = await asyncpg.connect(url)
    try:
        return [r[0] for r in await connection.fetch("SELECT version FROM schema_migration")]
    finally:
        await connection.close()


async def test_a_role_that_bypasses_row_level_security_is_warned_about(
    postgres_databases: ScratchDatabases, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    as_administrator = postgres_databases.admin_url_for(url.rsplit("/", 1)[1])
    store = Store(PostgresDriver(as_administrator, pool_size=1))
    await store.open()
    await store.close()
    assert "bypasses row-level security" in caplog.text
