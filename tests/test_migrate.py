"""`closecalls migrate` on both backends, and `migrate-data` from SQLite into PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from closecalls import accounts
from closecalls.app import build_app
from closecalls.cli import main
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.domain.listing import ActivityQuery
from closecalls.settings import Settings
from closecalls.store.migrations import load_migrations
from closecalls.store.postgres_driver import PostgresDriver
from closecalls.store.rows import ActivityRow, ObjectRow
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store
from closecalls.store.transfer import RowDigest
from closecalls.testing.postgres import ScratchDatabases
from tests.conftest import BACKENDS, START

CALLS = 3_000
KEY = "api_migratemigratemigrat00.migratemigratemigrat00"
CALLS_PATH = "/api/v1/activity/call/"


@pytest.fixture
def target(postgres_databases: ScratchDatabases) -> Iterator[str]:
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)


@pytest.fixture(params=BACKENDS)
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each backend that has never been opened."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    databases: ScratchDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create(migrated=False)
    yield url
    databases.drop(url)


def test_migrate_applies_each_migration_once(unmigrated: str) -> None:
    dialect = "postgresql" if unmigrated.startswith("postgresql") else "sqlite"
    runner = CliRunner()
    first = runner.invoke(main, ["migrate", "--database", unmigrated])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        *(f"applied {m.version:04d}_{m.name}" for m in load_migrations(dialect)),
        "schema up to date",
    ]
    again = runner.invoke(main, ["migrate"], env={"CLOSECALLS_DATABASE": unmigrated})
    assert again.output.splitlines() == ["schema up to date"]


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--workers", "2", "--database", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
    assert "several workers need a PostgreSQL database" in result.output


async def fill(path: Path) -> list[str]:
    """Two organizations with users, keys, a token, leads, contacts and 3,000 calls."""
    clock = ManualClock(START)
    ids = IdSource(clock, seed=3)
    store = Store(SQLiteDriver(path))
    await store.open()
    rng = random.Random(3)
    organizations = []
    for name, key in (("Acme", KEY), ("Globex", None)):
        tenant = await accounts.create_organization(
            store, name=name, clock=clock, ids=ids, api_key=key
        )
        organization_id = tenant.organization.id
        organizations.append(organization_id)
        await accounts.create_user(
            store, organization_id=organization_id, first_name="Bo", last_name="Li",
            email="bo@x.com", clock=clock, ids=ids,
        )  # fmt: skip
        await accounts.create_access_token(
            store, user=tenant.user, clock=clock, ids=ids, lifetime_seconds=60
        )
        lead = ids.new("lead")
        await store.insert_objects([
            ObjectRow(lead, organization_id, "lead", None, 1, b'{"name": "L"}'),
            ObjectRow(ids.new("cont"), organization_id, "contact", lead, 2, b'{"name": "C"}',
                      phones=("+16505551234",)),
        ])  # fmt: skip
        # Every fifth call shares its predecessor's time: the order rests on `seq` too.
        rows = [
            ActivityRow(ids.new("acti"), organization_id, "Call", lead if n % 2 else None, None,
                        tenant.user.id, (n - n % 5) * 1000, n * 1000,
                        b'{"n": %d, "note": "%s"}' % (n, rng.choice(("a", "b")).encode()))
            for n in range(CALLS // 2)
        ]  # fmt: skip
        await store.insert_activities(rows)
    await store.close()
    return organizations


async def every_page(store: Store, organization_id: str) -> list[bytes]:
    documents: list[bytes] = []
    while True:
        page, more = await store.list_activities(
            organization_id, ActivityQuery(types=("Call",), limit=100, skip=len(documents))
        )
        documents += page
        if not more:
            return documents


async def compare(source: Path, target: str, organizations: list[str]) -> None:
    old, new = Store(SQLiteDriver(source)), Store(PostgresDriver(target))
    await old.open()
    await new.open()
    try:
        for organization_id in organizations:
            assert await every_page(new, organization_id) == await every_page(old, organization_id)
            assert await new.contacts_by_phone(organization_id, "+16505551234") == (
                await old.contacts_by_phone(organization_id, "+16505551234")
            )
            assert await new.organization_owner(organization_id) == (
                await old.organization_owner(organization_id)
            )
    finally:
        await old.close()
        await new.close()


async def serve_after_the_move(target: str) -> None:
    """The old key works; a new call tied in time with copied ones sorts as the newest."""
    app = build_app(Settings.load({"database": target}, environ={}))
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", auth=(KEY, "")
        ) as client:
            # The newest copied calls were made 1.495 s after the epoch, five at once.
            created = await client.post(
                CALLS_PATH, json={"date_created": "1970-01-01T00:00:01.495Z"}
            )
            assert created.status_code == 200, created.text
            page = (await client.get(CALLS_PATH, params={"_limit": 6})).json()["data"]
    finally:
        await app.shutdown()
    assert page[0]["id"] == created.json()["id"]
    assert [call["n"] for call in page[1:]] == [1499, 1498, 1497, 1496, 1495]


@pytest.mark.postgresql
def test_migrate_data_copies_and_verifies_everything(tmp_path: Path, target: str) -> None:
    source = tmp_path / "old.db"
    organizations = asyncio.run(fill(source))
    runner = CliRunner()
    result = runner.invoke(main, ["migrate-data", "--from", f"sqlite:///{source}", "--to", target])
    assert result.exit_code == 0, result.output
    for table, rows in (("activity", CALLS), ("organization", 2), ("user", 4),
                        ("credential", 4), ("crm_object", 4), ("contact_phone", 2)):  # fmt: skip
        assert any(line.split()[:2] == [table, f"{rows:,}"] for line in result.output.splitlines())
    assert "copied and verified" in result.output
    asyncio.run(compare(source, target, organizations))
    asyncio.run(serve_after_the_move(target))

    again = runner.invoke(main, ["migrate-data", "--from", f"sqlite:///{source}", "--to", target])
    assert again.exit_code != 0
    assert "already holds organizations" in again.output


@pytest.mark.postgresql
def test_migrate_data_goes_from_sqlite_to_postgresql_only(tmp_path: Path, target: str) -> None:
    result = CliRunner().invoke(
        main, ["migrate-data", "--from", target, "--to", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code != 0
    assert "SQLite file (--from) to PostgreSQL (--to)" in result.output


def test_the_checksum_ignores_order_but_not_content() -> None:
    rows: list[tuple[object, ...]] = [(1, "a", b"x", True), (2, None, memoryview(b"y"), 0)]
    forward, backward, changed = RowDigest(), RowDigest(), RowDigest()
    forward.add_all(rows)
    backward.add_all(rows[::-1])
    changed.add_all([(1, "a", b"x", True), (2, None, b"z", 0)])
    assert forward.hexdigest() == backward.hexdigest() != changed.hexdigest()
    same = RowDigest()
    same.add_all([(1, "a", b"x", 1), (2, None, b"y", False)])
    assert same.hexdigest() == forward.hexdigest()
