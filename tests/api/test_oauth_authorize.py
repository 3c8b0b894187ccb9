"""`GET /oauth2/authorize/` and the consent decision: where the browser is (never) sent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from tests.api.test_oauth import AUTHORIZE, CALLBACK, Registered, register
from tests.conftest import client_for

DECISION = "/oauth2/authorize/decision/"


@pytest.fixture
async def dialer(app: App, other_tenant: Tenant) -> Registered:
    return await register(app, other_tenant, CALLBACK, "http://localhost:9000/cb")


async def authorize(app: App, **params: str) -> httpx.Response:
    async with client_for(app, None) as browser:
        return await browser.get(AUTHORIZE, params=params)


async def test_the_consent_page_names_the_app_safely(app: App, other_tenant: Tenant) -> None:
    evil = await register(app, other_tenant, CALLBACK, name='<script>alert("x")</script>')
    page = await authorize(app, client_id=evil.client_id, response_type="code")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert '<script type="module" src="/ui/consent.js"></script>' in page.text


MINE = "<the dialer's client id>"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "code"}, "invalid_request"),
        ({"client_id": "oa2client_nobody", "response_type": "code"}, "invalid_client"),
        # Two URIs are registered: which one is meant must be said.
        ({"client_id": MINE, "response_type": "code"}, "invalid_request"),
        ({"client_id": MINE, "response_type": "code",
          "redirect_uri": "https://evil.example/steal"}, "invalid_request"),
        ({"client_id": MINE, "response_type": "code", "redirect_uri": CALLBACK + "/more"},
         "invalid_request"),
    ],
)  # fmt: skip
async def test_an_unknown_client_or_redirect_uri_is_answered_on_the_page(
    app: App, dialer: Registered, params: dict[str, str], error: str
) -> None:
    params = {name: dialer.client_id if value == MINE else value for name, value in params.items()}
    page = await authorize(app, **params)
    assert page.status_code == 400
    assert "location" not in page.headers
    assert f"<code>{error}</code>" in page.text


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({}, "invalid_request"),
        ({"response_type": "code", "code_challenge": "abc"}, "invalid_request"),
    ],
)
async def test_other_refusals_redirect_with_the_error_and_state(
    app: App, dialer: Registered, extra: dict[str, str], error: str
) -> None:
    params = {"client_id": dialer.client_id, "redirect_uri": CALLBACK, "state": "st", **extra}
    response = await authorize(app, **params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == [error]
    assert query["state"] == ["st"]


async def test_declining_redirects_with_access_denied(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    async with client_for(app, tenant.api_key) as browser:
        decision = await browser.post(DECISION, json={
            "client_id": dialer.client_id, "redirect_uri": "http://localhost:9000/cb",
            "response_type": "code", "state": "s9", "allow": False,
        })  # fmt: skip
    assert decision.status_code == 200
    location = decision.json()["redirect_to"]
    assert location.startswith("http://localhost:9000/cb?")
    assert parse_qs(urlsplit(location).query) == {
        "error": ["access_denied"], "error_description": ["The user declined access."],
        "state": ["s9"],
    }  # fmt: skip


async def test_decision_errors(app: App, tenant: Tenant, dialer: Registered) -> None:
    good = {"client_id": dialer.client_id, "redirect_uri": CALLBACK, "response_type": "code"}
    async with client_for(app, None) as anonymous:
        assert (await anonymous.post(DECISION, json={**good, "allow": True})).status_code == 401
    async with client_for(app, tenant.api_key) as browser:
        no_choice = await browser.post(DECISION, json=good)
        assert no_choice.status_code == 400
        assert no_choice.json()["field-errors"] == {"allow": "bool"}
        unknown = await browser.post(DECISION, json={**good, "client_id": "x", "allow": True})
        assert unknown.status_code == 400
        assert unknown.json()["errors"] == ["invalid_client"]
        elsewhere = await browser.post(
            DECISION, json={**good, "redirect_uri": "https://evil.example/", "allow": True}
        )
        assert elsewhere.status_code == 400
        assert "redirect_to" not in elsewhere.json()
        refused = await browser.post(
            DECISION, json={**good, "response_type": "token", "allow": True}
        )
        query = parse_qs(urlsplit(refused.json()["redirect_to"]).query)
        assert query["error"] == ["unsupported_response_type"]
