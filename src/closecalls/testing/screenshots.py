"""`python -m closecalls.testing.screenshots [DIR]`: a screenshot of each page of the web UI.

Starts a real server with the admin API on, fills a demo organization, and saves one PNG
per page (default `docs/screenshots/`).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

from closecalls.testing.admin_client import AdminClient
from closecalls.testing.browser import launch, sign_in
from closecalls.testing.server import UNLIMITED, LiveServer
from closecalls.testing.ui_demo import seed_demo


def take(directory: Path) -> list[Path]:
    """Save the screenshots into `directory`; the paths written."""
    from playwright.sync_api import sync_playwright

    directory.mkdir(parents=True, exist_ok=True)
    token = "adm_" + secrets.token_urlsafe(24)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as work:
        environment = {**UNLIMITED, "CLOSECALLS_ADMIN_TOKEN": token,
                       "CLOSECALLS_WEBHOOK_ALLOW_PRIVATE": "true"}  # fmt: skip
        server = LiveServer(
            f"sqlite:///{work}/demo.db", "api_" + secrets.token_urlsafe(24), Path(work),
            environment=environment,
        )  # fmt: skip
        server.start()
        admin = AdminClient(server.url, token)
        try:
            org = admin.create_organization("Demo Sales")
            with org.client() as client:
                demo = seed_demo(client)
            with sync_playwright() as playwright:
                browser = launch(playwright)
                page = browser.new_page(viewport={"width": 1280, "height": 900})

                def shoot(name: str, hash_: str, ready: str) -> None:
                    if hash_:
                        page.goto(f"{server.url}/{hash_}")
                    page.locator(ready).first.wait_for()
                    path = directory / f"{name}.png"
                    page.screenshot(path=path, full_page=True)
                    saved.append(path)

                page.goto(server.url + "/")
                shoot("sign-in", "", "form.signin")
                sign_in(page, server.url, org.api_key)
                shoot("call-log", "", "table")
                filtered = "#/calls?direction=inbound&disposition=answered"
                shoot("call-log-filtered", filtered, "table")
                shoot("call", f"#/call/{demo.hostile_call}", "audio")
                shoot("lead-timeline", f"#/lead/{demo.leads['Acme Corp']}", "ol.timeline")
                shoot("dashboard", "#/dashboard", "svg.chart")
                shoot("webhooks", "#/webhooks", "section.webhook")
                page.evaluate("sessionStorage.clear()")
                sign_in(page, server.url, token, kind="admin")
                page.get_by_label("Organization id").fill(org.organization_id)
                page.get_by_role("button", name="Switch", exact=True).click()
                page.locator("table").first.wait_for()
                shoot("admin", "#/admin", "#switch-title")
                shoot("journal", "#/journal", "table")
                org.fault("POST", "/api/v1/activity/call/", status=503, times=2)
                shoot("faults", "#/faults", "table")
                browser.close()
        finally:
            admin.close()
            server.stop()
    return saved


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    for path in take(directory):
        print(path)


if __name__ == "__main__":
    main()
