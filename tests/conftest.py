"""Shared fixtures: a real store on a real file, the app in process, a second tenant."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from closecalls import accounts
from closecalls.app import App, build_app
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.testing.postgres import ScratchDatabases, TemporaryPostgres
from closecalls.testing.redis import TemporaryRedis

START = datetime(2026, 1, 9, 14, 35, 8, 272000, tzinfo=UTC)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[ScratchDatabases]:
    """Databases on CLOSECALLS_TEST_POSTGRES_URL, else on a PostgreSQL started for this run."""
    admin_url = os.environ.get("CLOSECALLS_TEST_POSTGRES_URL")
    cluster = None
    if not admin_url:
        cluster = TemporaryPostgres()
        cluster.start()
        admin_url = cluster.admin_url
    databases = ScratchDatabases(admin_url)
    try:
        databases.setup()
        yield databases
        databases.teardown()
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis started for this run, for rate-limit buckets shared across processes."""
    server = TemporaryRedis()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'closecalls.db'}"
        return
    databases: ScratchDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.load({"database": database_url}, environ={})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    application = build_app(settings, clock=clock, ids=IdSource(clock, seed=7))
    await application.startup()
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
async def tenant(app: App) -> accounts.Tenant:
    services = app.services
    return await accounts.create_organization(
        services.store, name="Acme", clock=services.clock, ids=services.ids
    )


@pytest.fixture
async def other_tenant(app: App) -> accounts.Tenant:
    services = app.services
    return await accounts.create_organization(
        services.store, name="Globex", clock=services.clock, ids=services.ids
    )


def client_for(app: App, api_key: str | None) -> httpx.AsyncClient:
    auth = (api_key, "") if api_key else None
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", auth=auth
    )


@pytest.fixture
async def client(app: App, tenant: accounts.Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, tenant.api_key) as http:
        yield http


@pytest.fixture
async def other_client(app: App, other_tenant: accounts.Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, other_tenant.api_key) as http:
        yield http
