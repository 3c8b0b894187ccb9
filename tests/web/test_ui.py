"""The web UI end to end: real headless Chromium against a real server on each backend."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from closecalls.testing.admin_client import AdminClient, TestOrganization
from closecalls.testing.browser import launch, sign_in
from closecalls.testing.postgres import ScratchDatabases
from closecalls.testing.server import UNLIMITED, LiveServer
from closecalls.testing.ui_demo import Demo, seed_demo
from tests.conftest import BACKENDS

sync_api = pytest.importorskip("playwright.sync_api")
# Two cores shared with other suites: give a page more than the default 5 s.
sync_api.expect.set_options(timeout=10_000)


def _in_thread(function: Callable[..., Any], *arguments: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *arguments).result()


@dataclass
class Site:
    server: LiveServer
    token: str
    org: TestOrganization
    demo: Demo


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("ui")
    databases: ScratchDatabases | None = None
    if request.param == "sqlite":
        database = f"sqlite:///{workdir / 'closecalls.db'}"
    else:
        databases = request.getfixturevalue("postgres_databases")
        # Playwright's loop runs in this thread: the database's own asyncio.run needs another.
        database = _in_thread(databases.create)
    token = "adm_" + secrets.token_urlsafe(24)
    server = LiveServer(
        database, "api_" + secrets.token_urlsafe(24), workdir,
        environment={**UNLIMITED, "CLOSECALLS_ADMIN_TOKEN": token,
                     "CLOSECALLS_WEBHOOK_ALLOW_PRIVATE": "true"},
    )  # fmt: skip
    server.start()
    admin = AdminClient(server.url, token)
    try:
        org = admin.create_organization("UI")
        with org.client() as client:
            demo = seed_demo(client)
        yield Site(server, token, org, demo)
    finally:
        admin.close()
        server.stop()
        if databases is not None:
            _in_thread(databases.drop, database)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


def rows(page: Any) -> Any:
    return page.locator("main table tbody tr")


def test_sign_in_then_filter_the_call_log(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, site.org.api_key)
    sync_api.expect(rows(page)).to_have_count(25)
    assert site.org.organization_id in page.locator("#who").inner_text()
    # The API key stays in this tab's session storage, nowhere else.
    assert site.org.api_key in page.evaluate("JSON.stringify(sessionStorage)")
    assert page.evaluate("localStorage.length") == 0

    page.get_by_label("Direction").select_option("inbound")
    page.get_by_label("Disposition").select_option("answered")
    page.get_by_role("button", name="Filter").click()
    wanted = ("inbound", "answered")
    expected = [c for c in site.demo.calls if (c["direction"], c["disposition"]) == wanted]
    sync_api.expect(rows(page)).to_have_count(len(expected))
    assert 0 < len(expected) < 25
    for row in rows(page).all():
        cells = row.locator("td").all_inner_texts()
        assert cells[4] == "inbound"

    lead = site.demo.leads["Globex"]
    page.goto(f"{site.server.url}/#/calls?lead_id={lead}")
    globex = [c for c in site.demo.calls if c["lead_id"] == lead]
    sync_api.expect(rows(page)).to_have_count(min(25, len(globex)))
    assert set(rows(page).locator("td:nth-child(3)").all_inner_texts()) == {"Globex"}


def test_open_a_call_find_its_players_and_a_hostile_note_is_text(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, site.org.api_key)
    # The hostile call is the newest: the first row.
    rows(page).first.locator("a").first.click()
    sync_api.expect(page).to_have_url(f"{site.server.url}/#/call/{site.demo.hostile_call}")
    players = page.locator("audio")
    sync_api.expect(players).to_have_count(2)
    assert players.nth(0).get_attribute("src") == "https://recordings.example.com/hostile.mp3"
    assert players.nth(1).get_attribute("src") == "https://recordings.example.com/hostile-vm.mp3"
    assert page.get_by_label("Recording").count() == 1
    note = page.get_by_test_id("note")
    text = note.inner_text()
    assert "Asked for a callback." in text
    assert "<script>window.pwned = true</script>" in text
    assert '<img src="x" onerror="window.pwned = true">' in text
    assert note.locator("script, img").count() == 0
    assert page.evaluate("window.pwned") is None
    # The call's events: created, then the duration change.
    sync_api.expect(page.locator("main table tbody tr")).to_have_count(2)
    assert "duration" in page.locator("main table").inner_text()


@pytest.mark.parametrize(
    "url", ["javascript:window.pwned=true", "data:text/html,<script>1</script>", "vbscript:x"]
)
def test_a_stored_url_that_is_not_http_is_shown_as_text_never_as_a_link(
    site: Site, page: Any, url: str
) -> None:
    """The API refuses such URLs now; one stored before (or by another server) stays inert."""

    def hostile(route: Any) -> None:
        call = route.fetch().json()
        route.fulfill(json={**call, "voicemail_url": url, "recording_url": url})

    page.route(f"**/api/v1/activity/call/{site.demo.hostile_call}/", hostile)
    sign_in(page, site.server.url, site.org.api_key)
    page.goto(f"{site.server.url}/#/call/{site.demo.hostile_call}")
    sync_api.expect(page.get_by_text("Voicemail:")).to_have_count(1)
    assert page.locator("audio").count() == 0
    assert page.locator(f'a[href^="{url.split(":")[0]}"]').count() == 0
    assert page.locator("main code", has_text=url).count() == 2
    assert page.evaluate("window.pwned") is None


def test_the_lead_timeline_and_dashboard_draw(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, site.org.api_key)
    lead = site.demo.leads["Initech"]
    page.goto(f"{site.server.url}/#/lead/{lead}")
    calls = [c for c in site.demo.calls if c["lead_id"] == lead]
    entries = page.locator("ol.timeline > li")
    sync_api.expect(entries).to_have_count(len(calls) + len(site.demo.others))
    for kind in ("SMS", "Note", "TaskCompleted"):
        sync_api.expect(page.locator(f"ol.timeline > li[data-type='{kind}']").first).to_be_visible()
    assert "Wants a demo next week." in page.locator("ol.timeline").inner_text()
    page.goto(f"{site.server.url}/#/dashboard")
    sync_api.expect(page.locator("svg.chart")).to_have_count(3)
    bars = page.locator("svg.chart").nth(0).locator("rect")
    assert bars.count() > 0


def test_search_finds_a_lead_and_its_calls_by_phone_or_name(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, site.org.api_key)
    page.goto(f"{site.server.url}/#/search")
    box = page.get_by_label("Phone, name or email")
    box.fill("(650) 555-1234")
    page.get_by_role("button", name="Search", exact=True).click()
    sync_api.expect(page.locator("ol.results > li.result")).to_have_count(len(site.demo.leads))
    box = page.get_by_label("Phone, name or email")
    box.fill("Initech")
    page.get_by_role("button", name="Search", exact=True).click()
    sync_api.expect(page.locator("ol.results > li.result")).to_have_count(1)
    page.locator("ol.results > li.result > a").first.click()
    sync_api.expect(page.locator("p.status")).to_contain_text("Potential")
    sync_api.expect(page.get_by_role("heading", name="Custom fields")).to_be_visible()


def test_the_admin_switches_organization_and_reads_the_journal(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, site.token, kind="admin")
    page.get_by_label("Organization id").fill(site.org.organization_id)
    page.get_by_role("button", name="Switch", exact=True).click()
    sync_api.expect(rows(page)).to_have_count(25)
    page.get_by_role("link", name="Journal").click()
    journal = page.locator("main table")
    sync_api.expect(journal).to_contain_text("/api/v1/activity/call/")
    assert "POST" in journal.inner_text()


def test_webhooks_show_the_delivery_log_and_redeliver(site: Site, page: Any) -> None:
    client = site.org.client()

    def attempts() -> list[dict[str, Any]]:
        answer = client.get(f"webhook/{site.demo.webhook}/delivery/", params={"_limit": 100})
        return answer.json()["data"]  # type: ignore[no-any-return]

    # The demo's receiver refuses connections: the server's deliverer logs failed attempts.
    sign_in(page, site.server.url, site.org.api_key)
    page.get_by_role("link", name="Webhooks").click()
    section = page.locator("section.webhook")
    sync_api.expect(section).to_contain_text("http://127.0.0.1:9/closecalls-demo-hook")
    for _ in range(100):
        if attempts():
            break
        page.wait_for_timeout(100)
    page.reload()
    first = section.locator("tbody tr").first
    sync_api.expect(first).to_contain_text("failed")
    event_id = first.locator("td").nth(1).inner_text()
    before = sum(1 for line in attempts() if line["event_id"] == event_id)
    first.get_by_role("button", name=f"Redeliver {event_id}").click()
    sync_api.expect(section.get_by_role("status")).to_contain_text("queued for delivery now")
    # Due at once, not at its back-off time: the deliverer's next pass tries it again.
    for _ in range(100):
        if sum(1 for line in attempts() if line["event_id"] == event_id) > before:
            break
        page.wait_for_timeout(100)
    assert sum(1 for line in attempts() if line["event_id"] == event_id) == before + 1
    client.close()


def test_a_bad_key_is_refused_with_a_message(site: Site, page: Any) -> None:
    sign_in(page, site.server.url, "api_wrong")
    sync_api.expect(page.get_by_role("alert")).to_contain_text("refused")
    assert page.evaluate("sessionStorage.length") == 0


def test_screenshots_cover_every_page(tmp_path: Path) -> None:
    docs = Path(__file__).parents[2] / "docs"
    names = {path.stem for path in (docs / "screenshots").glob("*.png")}
    assert {"sign-in", "call-log", "call", "lead-timeline", "dashboard", "webhooks",
            "journal", "faults"} <= names  # fmt: skip
    guide = (docs / "ui.md").read_text()
    for name in names:
        assert f"screenshots/{name}.png" in guide
