"""The parity page in real Chromium, reading a running proxy's report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from closecalls.testing.admin_client import AdminClient
from closecalls.testing.browser import launch
from closecalls.testing.proxy import running_proxy
from tests.parity.conftest import ADMIN_TOKEN
from tests.support import LiveServer

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert errors == [], errors


def test_the_parity_page_shows_shares_and_each_difference(
    upstream: LiveServer, database_url: str, tmp_path: Path, page: Any
) -> None:
    admin = AdminClient(upstream.url, ADMIN_TOKEN)
    organization = admin.create_organization()
    organization.fault("GET", "/api/v1/me/", status=503)
    admin.close()
    with running_proxy(upstream.api_url, database_url, tmp_path) as proxy:
        with httpx.Client(base_url=proxy.url + "/api/v1/", auth=(organization.api_key, "")) as api:
            assert api.get("me/").status_code == 503
            assert api.post("lead/", json={"name": "Acme"}).status_code == 200

        page.goto(proxy.url + "/#/parity")
        page.get_by_label("Report token").fill("wrong")
        page.get_by_role("button", name="Load the live report").click()
        sync_api.expect(page.get_by_role("alert")).to_contain_text("refused")

        page.get_by_label("Report token").fill(proxy.token)
        page.get_by_role("button", name="Load the live report").click()
        status = page.get_by_role("status")
        sync_api.expect(status).to_contain_text("1 of 2 exchanges identical (50.0 %); 1 differ.")
        endpoints = page.get_by_role("table", name="Identical answers per endpoint")
        sync_api.expect(endpoints.get_by_role("row")).to_have_count(3)
        sync_api.expect(endpoints).to_contain_text("0 / 1")
        exchange = page.get_by_role("region", name="Exchange 1")
        sync_api.expect(exchange.get_by_role("heading")).to_have_text("#1 GET /me/")
        sync_api.expect(exchange.get_by_role("row").nth(1)).to_contain_text("status")
        sync_api.expect(exchange.get_by_role("row").nth(1)).to_contain_text("503")
