"""The closecalls command on a real database file."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from click.testing import CliRunner

from closecalls import accounts
from closecalls.app import build_app
from closecalls.cli import main
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store import create_store

KEY = re.compile(r"^api_[0-9A-Za-z]{22}\.[0-9A-Za-z]{22}$")


@pytest.fixture
def database(database_url: str) -> str:
    """A database of each backend after its first start."""
    url = database_url
    settings = Settings.load({"database": url}, environ={})

    async def boot() -> None:
        store = create_store(settings)
        await store.open()
        await accounts.bootstrap(store, clock=SystemClock(), ids=IdSource(SystemClock()))
        await store.close()

    asyncio.run(boot())
    return url


def status_with(database: str, credentials: dict[str, str]) -> int:
    async def call() -> int:
        app = build_app(Settings.load({"database": database, "auth_cache_seconds": 0}, environ={}))
        await app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/api/v1/activity/call/acti_x/", headers=credentials)
                return response.status_code
        finally:
            await app.shutdown()

    return asyncio.run(call())


def basic(key: str) -> dict[str, str]:
    return {"authorization": httpx.BasicAuth(key, "")._auth_header}


def test_keys_create_prints_a_working_key_and_revoke_stops_it(database: str) -> None:
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "create", "--database", database])
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    assert KEY.match(key)
    assert status_with(database, basic(key)) == 404
    revoked = runner.invoke(main, ["keys", "revoke", key, "--database", database])
    assert revoked.exit_code == 0
    assert status_with(database, basic(key)) == 401
    again = runner.invoke(main, ["keys", "revoke", key, "--database", database])
    assert again.exit_code != 0
    assert "no such active API key" in again.output


def test_tokens_create_prints_a_bearer_token(database: str) -> None:
    result = CliRunner().invoke(main, ["tokens", "create", "--database", database])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert status_with(database, {"authorization": f"Bearer {token}"}) == 404


@pytest.mark.parametrize("expires_in", ["0", "-5", "999999999999999999999", "1e3", "\u0663"])
def test_tokens_create_refuses_a_lifetime_it_cannot_give(database: str, expires_in: str) -> None:
    """Zero or negative would print a dead token; a huge one overflowed; each is a usage error."""
    result = CliRunner().invoke(
        main, ["tokens", "create", "--expires-in", expires_in, "--database", database]
    )
    assert result.exit_code == 2, result.output
    assert "--expires-in" in result.output
    assert isinstance(result.exception, SystemExit)  # click's usage error, no traceback


def test_tokens_create_for_ten_years_works(database: str) -> None:
    result = CliRunner().invoke(
        main, ["tokens", "create", "--expires-in", str(10 * 366 * 86_400), "--database", database]
    )
    assert result.exit_code == 0, result.output
    assert status_with(database, {"authorization": f"Bearer {result.output.strip()}"}) == 404


def test_keys_create_on_an_empty_database_explains(database_url: str) -> None:
    result = CliRunner().invoke(main, ["keys", "create", "--database", database_url])
    assert result.exit_code != 0
    assert "closecalls serve" in result.output


def test_database_from_the_environment(database: str) -> None:
    result = CliRunner().invoke(main, ["keys", "create"], env={"CLOSECALLS_DATABASE": database})
    assert result.exit_code == 0
    assert status_with(database, basic(result.output.strip())) == 404


def test_users_create_adds_a_user_with_a_key_and_keys_for_users(database: str) -> None:
    runner = CliRunner()
    created = runner.invoke(
        main, ["users", "create", "--first-name", "Rita", "--last-name", "Rep",
               "--email", "rita@example.com", "--database", database],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    user = json.loads(created.output)
    assert (user["first_name"], user["email"]) == ("Rita", "rita@example.com")
    assert status_with(database, basic(user["api_key"])) == 404

    async def me(credentials: dict[str, str]) -> dict[str, str]:
        app = build_app(Settings.load({"database": database}, environ={}))
        await app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return (await client.get("/api/v1/me/", headers=credentials)).json()  # type: ignore[no-any-return]
        finally:
            await app.shutdown()

    assert asyncio.run(me(basic(user["api_key"])))["id"] == user["id"]
    key = runner.invoke(main, ["keys", "create", "--user", user["id"], "--database", database])
    assert asyncio.run(me(basic(key.output.strip())))["id"] == user["id"]
    token = runner.invoke(main, ["tokens", "create", "--user", user["id"], "--database", database])
    bearer = {"authorization": f"Bearer {token.output.strip()}"}
    assert asyncio.run(me(bearer))["id"] == user["id"]
    missing = runner.invoke(
        main, ["keys", "create", "--user", "user_nobody", "--database", database]
    )
    assert missing.exit_code != 0
    assert "no user user_nobody" in missing.output
