"""`/api/docs/`: Swagger UI from its package renders our OpenAPI document in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from closecalls.testing.browser import launch
from closecalls.testing.server import UNLIMITED, LiveServer
from closecalls.web.apidocs import CONTENT_SECURITY_POLICY

KEY = "api_docsdocsdocsdocsdocs00.docsdocsdocsdocsdocs00"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("docs")
    # The docs touch no data: one backend shows the page is served and renders.
    live = LiveServer(f"sqlite:///{workdir / 'c.db'}", KEY, workdir, environment=UNLIMITED)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_the_docs_page_and_its_assets_are_public_and_keep_scripts_to_files(
    server: LiveServer,
) -> None:
    page = httpx.get(server.url + "/api/docs/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assets = [("swagger-ui-bundle.js", "text/javascript"), ("start.js", "text/javascript"),
              ("swagger-ui.css", "text/css")]  # fmt: skip
    for asset, kind in assets:
        answer = httpx.get(f"{server.url}/api/docs/{asset}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
        assert f'/api/docs/{asset}"' in page.text
    assert httpx.get(server.url + "/api/docs").status_code == 200


def test_swagger_ui_renders_the_operations(server: LiveServer) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text)
                    if "Content Security Policy" in message.text else None)  # fmt: skip
            page.goto(server.url + "/api/docs/")
            operation = page.locator(".opblock-summary-path", has_text="/activity/call/{call_id}/")
            operation.first.wait_for(timeout=30_000)
            assert page.locator(".opblock-summary-method", has_text="POST").count() > 0
            assert "closecalls" in page.locator(".title").first.inner_text().lower()
            assert refused == []
        finally:
            browser.close()
