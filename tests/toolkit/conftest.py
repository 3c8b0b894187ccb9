"""An app with the admin API on, on each backend, and clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from closecalls.app import App, build_app
from closecalls.domain.clock import ManualClock
from closecalls.settings import Settings

TOKEN = "adm_test-token-0123456789"


@pytest.fixture
async def admin_app(database_url: str, clock: ManualClock) -> AsyncIterator[App]:
    settings = Settings.load({"database": database_url, "admin_token": TOKEN}, environ={})
    application = build_app(settings, clock=clock)
    await application.startup()
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
async def admin(admin_app: App) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=admin_app), base_url="http://testserver/_closecalls",
        headers={"authorization": f"Bearer {TOKEN}"},
    ) as client:  # fmt: skip
        yield client


class Org:
    """An organization made through the admin API, with a client signed in with its key."""

    def __init__(self, made: dict[str, Any], app: App) -> None:
        self.id: str = made["organization"]["id"]
        self.user_id: str = made["user"]["id"]
        self.api_key: str = made["api_key"]
        self.path = f"/organizations/{self.id}/"
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver/api/v1",
            auth=(self.api_key, ""),
        )  # fmt: skip


async def new_org(admin: httpx.AsyncClient, app: App, name: str = "Acme") -> Org:
    response = await admin.post("/organizations/", json={"name": name})
    assert response.status_code == 201, response.text
    return Org(response.json(), app)


@pytest.fixture
async def org(admin: httpx.AsyncClient, admin_app: App) -> AsyncIterator[Org]:
    made = await new_org(admin, admin_app)
    async with made.http:
        yield made


@pytest.fixture
async def other_org(admin: httpx.AsyncClient, admin_app: App) -> AsyncIterator[Org]:
    made = await new_org(admin, admin_app, "Globex")
    async with made.http:
        yield made
