"""Close's OAuth flow driven by Authlib, as an integration would, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from closecalls import accounts, apps
from closecalls.accounts import Tenant
from closecalls.app import App, build_app
from closecalls.domain.clock import ManualClock
from closecalls.settings import Settings
from tests.conftest import client_for

ROOT = "http://testserver"
AUTHORIZE = ROOT + "/oauth2/authorize/"
TOKEN = ROOT + "/oauth2/token/"
REVOKE = ROOT + "/oauth2/revoke/"
CALLBACK = "https://dialer.example/callback/close"


@dataclass
class Registered:
    client_id: str
    client_secret: str


async def register(app: App, tenant: Tenant, *uris: str, name: str = "Dialer") -> Registered:
    made = await apps.register_app(
        app.services.store, organization_id=tenant.organization.id, name=name,
        redirect_uris=uris or (CALLBACK,), clock=app.services.clock,
    )  # fmt: skip
    return Registered(made.app.client_id, made.client_secret)


@pytest.fixture
async def dialer(app: App, other_tenant: Tenant) -> Registered:
    """An app registered by another organization, as a marketplace integration is."""
    return await register(app, other_tenant)


def oauth_client(app: App, dialer: Registered, **options: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        dialer.client_id, dialer.client_secret, redirect_uri=CALLBACK,
        transport=httpx.ASGITransport(app=app), base_url=ROOT, **options,
    )  # fmt: skip


async def consent(app: App, api_key: str, url: str, *, allow: bool = True) -> httpx.Response:
    """What the consent page does when the signed-in user grants (or declines)."""
    params = {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}
    async with client_for(app, api_key) as browser:
        page = await browser.get(url)
        assert page.status_code == 200, page.text
        return await browser.post("/oauth2/authorize/decision/", json={**params, "allow": allow})


async def granted(app: App, tenant: Tenant, client: AsyncOAuth2Client) -> str:
    """The redirect the app receives once the user grants it."""
    url, _state = client.create_authorization_url(AUTHORIZE)
    decision = await consent(app, tenant.api_key, url)
    assert decision.status_code == 200, decision.text
    location: str = decision.json()["redirect_to"]
    return location


@pytest.fixture
async def connected(
    app: App, tenant: Tenant, dialer: Registered
) -> AsyncIterator[tuple[AsyncOAuth2Client, dict[str, Any]]]:
    """An Authlib client holding the tokens of a completed flow."""
    async with oauth_client(app, dialer) as client:
        token = await client.fetch_token(TOKEN, authorization_response=await granted(
            app, tenant, client))  # fmt: skip
        yield client, dict(token)


async def test_the_whole_flow_with_authlib(app: App, tenant: Tenant, dialer: Registered) -> None:
    async with oauth_client(app, dialer) as client:
        url, state = client.create_authorization_url(AUTHORIZE)
        assert urlsplit(url).path == "/oauth2/authorize/"
        location = (await consent(app, tenant.api_key, url)).json()["redirect_to"]
        assert location.startswith(CALLBACK + "?")
        assert parse_qs(urlsplit(location).query)["state"] == [state]

        token = await client.fetch_token(TOKEN, authorization_response=location)
        assert set(token) >= {"token_type", "access_token", "expires_in", "refresh_token",
                              "scope", "organization_id", "user_id"}  # fmt: skip
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3600
        assert token["scope"] == "all.full_access offline_access"
        assert token["organization_id"] == tenant.organization.id
        assert token["user_id"] == tenant.user.id

        # The access token works where an API key does, as the user who granted it.
        me = (await client.get("/api/v1/me/")).json()
        assert me["id"] == tenant.user.id
        call = await client.post("/api/v1/activity/call/", json={"note": "via OAuth"})
        assert call.status_code == 200, call.text
        assert call.json()["organization_id"] == tenant.organization.id

        # Refreshing rotates both tokens; the new access token works.
        refreshed = await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert refreshed["access_token"] != token["access_token"]
        assert (await client.get("/api/v1/me/")).status_code == 200


async def test_client_secret_in_the_body_as_close_documents_it(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    async with oauth_client(app, dialer, token_endpoint_auth_method="client_secret_post") as c:
        token = await c.fetch_token(TOKEN, authorization_response=await granted(app, tenant, c))
        refreshed = await c.refresh_token(TOKEN, refresh_token=token["refresh_token"])
        assert refreshed["user_id"] == tenant.user.id
        revoked = await c.revoke_token(REVOKE, token=refreshed["refresh_token"])
        assert revoked.status_code == 200
        assert revoked.json() == {}


async def test_the_token_response_is_never_cached(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    async with oauth_client(app, dialer) as client:
        code = parse_qs(urlsplit(await granted(app, tenant, client)).query)["code"][0]
        async with client_for(app, None) as http:
            response = await http.post(TOKEN, data={
                "client_id": dialer.client_id, "client_secret": dialer.client_secret,
                "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            })  # fmt: skip
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    assert response.json()["access_token"].startswith("oa2at_")


# Errors of the token endpoint ---------------------------------------------------------------
async def token_request(app: App, form: dict[str, str], **kwargs: Any) -> httpx.Response:
    async with client_for(app, None) as http:
        return await http.post(TOKEN, data=form, **kwargs)


async def a_code(app: App, tenant: Tenant, dialer: Registered, **extra: str) -> str:
    params = {"client_id": dialer.client_id, "response_type": "code", **extra}
    url = str(httpx.URL(AUTHORIZE, params=params))
    location = (await consent(app, tenant.api_key, url)).json()["redirect_to"]
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange_form(dialer: Registered, code: str, **extra: str) -> dict[str, str]:
    return {"client_id": dialer.client_id, "client_secret": dialer.client_secret,
            "grant_type": "authorization_code", "code": code, **extra}  # fmt: skip


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert response.headers["cache-control"] == "no-store"


async def test_a_code_is_single_use_and_its_reuse_revokes_what_it_bought(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    code = await a_code(app, tenant, dialer)
    first = await token_request(app, exchange_form(dialer, code))
    assert first.status_code == 200
    again = await token_request(app, exchange_form(dialer, code))
    assert_oauth_error(again, 400, "invalid_grant")
    # RFC 6749 §4.1.2: the tokens the code bought are revoked with it.
    async with client_for(app, None) as http:
        me = await http.get(
            "/api/v1/me/", headers={"authorization": f"Bearer {first.json()['access_token']}"}
        )
        assert me.status_code == 401
    refresh = {
        "client_id": dialer.client_id,
        "client_secret": dialer.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": first.json()["refresh_token"],
    }
    assert_oauth_error(await token_request(app, refresh), 400, "invalid_grant")


async def test_a_code_lives_ten_minutes(
    app: App, tenant: Tenant, dialer: Registered, clock: ManualClock
) -> None:
    code = await a_code(app, tenant, dialer)
    clock.advance(timedelta(seconds=601))
    assert_oauth_error(await token_request(app, exchange_form(dialer, code)), 400, "invalid_grant")


async def test_a_code_belongs_to_its_client_and_its_redirect_uri(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    other = await register(app, tenant, "https://other.example/cb")
    code = await a_code(app, tenant, dialer, redirect_uri=CALLBACK)
    stolen = exchange_form(other, code)
    assert_oauth_error(await token_request(app, stolen), 400, "invalid_grant")
    elsewhere = exchange_form(dialer, code, redirect_uri="https://dialer.example/other")
    assert_oauth_error(await token_request(app, elsewhere), 400, "invalid_grant")
    # Neither refusal spent it.
    right = await token_request(app, exchange_form(dialer, code, redirect_uri=CALLBACK))
    assert right.status_code == 200, right.text


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "oa2secret_wrong"}, 401, "invalid_client"),
        ({"client_id": "oa2client_nobody"}, 401, "invalid_client"),
        ({"client_id": "", "client_secret": ""}, 401, "invalid_client"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"code": ""}, 400, "invalid_request"),
        ({"code": "oa2code_forged"}, 400, "invalid_grant"),
    ],
)
async def test_token_endpoint_errors(
    app: App, tenant: Tenant, dialer: Registered, change: dict[str, str], status: int,
    error: str,
) -> None:  # fmt: skip
    code = await a_code(app, tenant, dialer)
    response = await token_request(app, {**exchange_form(dialer, code), **change})
    assert_oauth_error(response, status, error)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_token_requests_must_be_form_encoded_with_each_parameter_once(
    app: App, tenant: Tenant, dialer: Registered
) -> None:
    form = exchange_form(dialer, await a_code(app, tenant, dialer))
    async with client_for(app, None) as http:
        as_json = await http.post(TOKEN, json=form)
        twice = await http.post(
            TOKEN, content=str(httpx.QueryParams(form)) + "&code=x",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        wrong_method = await http.get(TOKEN)
    assert_oauth_error(as_json, 400, "invalid_request")
    assert_oauth_error(twice, 400, "invalid_request")
    assert wrong_method.status_code == 405


async def test_malformed_basic_client_credentials_are_invalid_client(app: App) -> None:
    response = await token_request(
        app, {"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"authorization": "Basic !!!"},
    )  # fmt: skip
    assert_oauth_error(response, 401, "invalid_client")


async def test_authlib_raises_close_s_errors(app: App, tenant: Tenant, dialer: Registered) -> None:
    async with oauth_client(app, dialer) as client:
        with pytest.raises(OAuthError) as raised:
            await client.fetch_token(TOKEN, code="oa2code_forged")
        assert raised.value.error == "invalid_grant"


# Refresh, expiry and revocation --------------------------------------------------------------
async def test_refresh_rotates_and_the_old_refresh_token_is_revoked(
    app: App, connected: tuple[AsyncOAuth2Client, dict[str, Any]]
) -> None:
    client, token = connected
    await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
    with pytest.raises(OAuthError) as raised:
        await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
    assert raised.value.error == "invalid_grant"


async def test_an_access_token_lives_an_hour_and_a_refresh_outlives_it(
    app: App, connected: tuple[AsyncOAuth2Client, dict[str, Any]], clock: ManualClock
) -> None:
    client, token = connected
    bearer = {"authorization": f"Bearer {token['access_token']}"}
    async with client_for(app, None) as http:
        assert (await http.get("/api/v1/me/", headers=bearer)).status_code == 200
        clock.advance(timedelta(days=90))
        await asyncio.sleep(1.05)  # past the credential cache
        assert (await http.get("/api/v1/me/", headers=bearer)).status_code == 401
    refreshed = await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
    assert (await client.get("/api/v1/me/")).status_code == 200
    assert refreshed["expires_in"] == 3600


async def test_a_revoked_access_token_is_refused_within_a_second(
    app: App, connected: tuple[AsyncOAuth2Client, dict[str, Any]]
) -> None:
    client, token = connected
    assert (await client.get("/api/v1/me/")).status_code == 200
    await client.revoke_token(REVOKE, token=token["access_token"])
    await asyncio.sleep(1.05)
    assert (await client.get("/api/v1/me/")).status_code == 401
    # Revoking an access token leaves the grant: the refresh token still works.
    await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
    assert (await client.get("/api/v1/me/")).status_code == 200


async def test_revoking_a_refresh_token_revokes_its_whole_grant(
    app: App, connected: tuple[AsyncOAuth2Client, dict[str, Any]]
) -> None:
    client, token = connected
    response = await client.revoke_token(REVOKE, token=token["refresh_token"])
    assert response.status_code == 200
    await asyncio.sleep(1.05)
    assert (await client.get("/api/v1/me/")).status_code == 401
    with pytest.raises(OAuthError):
        await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])


async def test_revoke_errors(
    app: App, tenant: Tenant, dialer: Registered,
    connected: tuple[AsyncOAuth2Client, dict[str, Any]],
) -> None:  # fmt: skip
    _client, token = connected
    other = await register(app, tenant, "https://other.example/cb")
    credentials = {"client_id": dialer.client_id, "client_secret": dialer.client_secret}
    async with client_for(app, None) as http:
        unknown = await http.post(REVOKE, data={**credentials, "token": "oa2at_nothing"})
        assert (unknown.status_code, unknown.json()) == (200, {})  # RFC 7009 §2.2
        missing = await http.post(REVOKE, data=credentials)
        assert_oauth_error(missing, 400, "invalid_request")
        wrong = await http.post(REVOKE, data={**credentials, "client_secret": "x", "token": "t"})
        assert_oauth_error(wrong, 401, "invalid_client")
        theirs = await http.post(REVOKE, data={
            "client_id": other.client_id, "client_secret": other.client_secret,
            "token": token["access_token"],
        })  # fmt: skip
        assert_oauth_error(theirs, 400, "invalid_grant")
        still = await http.get(
            "/api/v1/me/", headers={"authorization": f"Bearer {token['access_token']}"}
        )
        assert still.status_code == 200


# What an access token does as a caller --------------------------------------------------------
async def test_events_carry_the_app_and_no_api_key(
    app: App, connected: tuple[AsyncOAuth2Client, dict[str, Any]], dialer: Registered
) -> None:
    client, _token = connected
    call = (await client.post("/api/v1/activity/call/", json={"note": "x"})).json()
    query = {"object_id": call["id"], "action": "created"}
    events = (await client.get("/api/v1/event/", params=query)).json()
    event = events["data"][0]
    assert event["api_key_id"] is None
    assert event["meta"]["oauth_client_id"] == dialer.client_id


async def test_an_access_token_sees_only_its_user_s_organization(
    app: App, other_tenant: Tenant, connected: tuple[AsyncOAuth2Client, dict[str, Any]]
) -> None:
    client, token = connected
    async with client_for(app, other_tenant.api_key) as theirs:
        call = (await theirs.post("/api/v1/activity/call/", json={})).json()
    assert (await client.get(f"/api/v1/activity/call/{call['id']}/")).status_code == 404
    assert token["organization_id"] != other_tenant.organization.id


async def test_an_app_cannot_grant_itself_another_app(
    app: App, tenant: Tenant, dialer: Registered,
    connected: tuple[AsyncOAuth2Client, dict[str, Any]],
) -> None:  # fmt: skip
    client, _token = connected
    response = await client.post(
        "/oauth2/authorize/decision/",
        json={"client_id": dialer.client_id, "response_type": "code", "allow": True},
    )
    assert response.status_code == 403
    assert isinstance(response.json()["error"], str)


@pytest.fixture
async def limited(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    """The app with 3 requests per key (or grant) per group every 2 seconds."""
    application = build_app(settings.replace(rate_limit=3, rate_limit_window=2.0), clock=clock)
    await application.startup()
    try:
        yield application
    finally:
        await application.shutdown()


async def test_a_grant_keeps_its_rate_limit_across_refreshes(limited: App) -> None:
    services = limited.services
    tenant = await accounts.create_organization(
        services.store, name="Acme", clock=services.clock, ids=services.ids
    )
    dialer = await register(limited, tenant)
    async with oauth_client(limited, dialer) as client:
        token = await client.fetch_token(
            TOKEN, authorization_response=await granted(limited, tenant, client)
        )
        answers = [await client.get("/api/v1/me/") for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert answers[-1].headers["ratelimit"].startswith("limit=3, remaining=0")
        # A new access token is the same integration: its bucket is still spent.
        await client.refresh_token(TOKEN, refresh_token=token["refresh_token"])
        refused = await client.get("/api/v1/me/")
        assert refused.status_code == 429
        assert refused.json()["rate_limit_type"] == "key"
    # The user's own API key is another caller, with a bucket of its own.
    async with client_for(limited, tenant.api_key) as http:
        assert (await http.get("/api/v1/me/")).status_code == 200
