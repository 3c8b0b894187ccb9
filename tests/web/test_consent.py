"""Close's consent page in headless Chromium: sign in, grant, and the app gets its tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from requests_oauthlib import OAuth2Session

from closecalls.testing.admin_client import AdminClient, TestOrganization
from closecalls.testing.browser import launch
from closecalls.testing.server import UNLIMITED, LiveServer

sync_api = pytest.importorskip("playwright.sync_api")
sync_api.expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestOrganization]:
    workdir: Path = tmp_path_factory.mktemp("consent")
    token = "adm_" + secrets.token_urlsafe(24)
    server = LiveServer(
        f"sqlite:///{workdir / 'closecalls.db'}", "api_" + secrets.token_urlsafe(24), workdir,
        environment={**UNLIMITED, "CLOSECALLS_ADMIN_TOKEN": token},
    )  # fmt: skip
    server.start()
    admin = AdminClient(server.url, token)
    try:
        yield admin.create_organization("Consent")
    finally:
        admin.close()
        server.stop()


@pytest.fixture
def page() -> Iterator[Any]:
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
    assert errors == [], errors


def sign_in_on_the_consent_page(page: Any, url: str, api_key: str) -> None:
    page.goto(url)
    page.get_by_label("API key").fill(api_key)
    page.get_by_role("button", name="Sign in").click()


def test_grant_through_the_consent_page(
    org: TestOrganization, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    # The app's callback is a page of the same server: what it answers does not matter,
    # only the URL the browser is sent to.
    callback = org.admin.url + "/callback/close"
    app = org.create_app("Acme Dialer", [callback])
    session = OAuth2Session(app["client_id"], redirect_uri=callback)
    url, state = session.authorization_url(org.oauth_url + "authorize/")

    sign_in_on_the_consent_page(page, url, org.api_key)
    sync_api.expect(page.get_by_role("heading")).to_have_text("Connect Acme Dialer to Close")
    sync_api.expect(page.get_by_label("Organization")).to_have_value(org.organization_id)
    page.get_by_role("button", name="Grant access").click()
    page.wait_for_url(callback + "?**")

    assert parse_qs(urlsplit(page.url).query)["state"] == [state]
    token = session.fetch_token(
        org.oauth_url + "token/", authorization_response=page.url,
        client_secret=app["client_secret"],
    )  # fmt: skip
    assert token["user_id"] == org.user_id
    assert session.get(org.base_url + "me/").json()["id"] == org.user_id


def test_decline_through_the_consent_page(org: TestOrganization, page: Any) -> None:
    callback = org.admin.url + "/callback/declined"
    app = org.create_app("Declined Dialer", [callback])
    sign_in_on_the_consent_page(
        page, f"{org.oauth_url}authorize/?client_id={app['client_id']}&response_type=code"
        "&state=s1", org.api_key,
    )  # fmt: skip
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url(callback + "?**")
    query = parse_qs(urlsplit(page.url).query)
    assert (query["error"], query["state"]) == (["access_denied"], ["s1"])


def test_an_unknown_client_gets_a_page_not_a_redirect(org: TestOrganization, page: Any) -> None:
    response = page.goto(f"{org.oauth_url}authorize/?client_id=oa2client_nobody&response_type=code")
    assert response.status == 400
    sync_api.expect(page.get_by_role("alert")).to_have_text("Invalid client_id parameter value.")
