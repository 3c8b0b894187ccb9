"""`closecalls apps create`: an OAuth app registered from the command line, on both backends."""

from __future__ import annotations

import asyncio
import json

import httpx
from click.testing import CliRunner

from closecalls.app import build_app
from closecalls.cli import main
from closecalls.settings import Settings
from tests.test_cli import database  # noqa: F401  (the fixture)


def token_status(url: str, form: dict[str, str]) -> httpx.Response:
    async def call() -> httpx.Response:
        app = build_app(Settings.load({"database": url}, environ={}))
        await app.startup()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.post("/oauth2/token/", data=form)
        finally:
            await app.shutdown()

    return asyncio.run(call())


def test_apps_create_prints_the_client_id_and_secret(database: str) -> None:  # noqa: F811
    result = CliRunner().invoke(main, [
        "apps", "create", "--name", "Dialer", "--redirect-uri", "https://dialer.example/cb",
        "--redirect-uri", "http://localhost:3000/cb", "--database", database,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    app = json.loads(result.output)
    assert app["client_id"].startswith("oa2client_")
    assert app["client_secret"].startswith("oa2secret_")
    assert app["redirect_uris"] == ["https://dialer.example/cb", "http://localhost:3000/cb"]
    # The app authenticates with that secret (its code is what is wrong here), not another.
    form = {"client_id": app["client_id"], "client_secret": app["client_secret"],
            "grant_type": "authorization_code", "code": "oa2code_nothing"}  # fmt: skip
    assert token_status(database, form).json()["error"] == "invalid_grant"
    wrong = token_status(database, {**form, "client_secret": "oa2secret_guess"})
    assert wrong.json()["error"] == "invalid_client"


def test_apps_create_with_a_chosen_id_and_secret(database: str) -> None:  # noqa: F811
    result = CliRunner().invoke(main, [
        "apps", "create", "--name", "CI", "--redirect-uri", "https://ci.example/cb",
        "--client-id", "oa2client_ci", "--client-secret", "oa2secret_ci", "--database", database,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["client_id"] == "oa2client_ci"


def test_apps_create_refuses_a_bad_redirect_uri(database: str) -> None:  # noqa: F811
    result = CliRunner().invoke(main, [
        "apps", "create", "--name", "X", "--redirect-uri", "https://x.example/cb#frag",
        "--database", database,
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "fragment" in result.output
