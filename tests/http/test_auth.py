"""Basic with the API key as username, Bearer tokens, and what a 401 looks like."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import httpx

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from closecalls.http.auth import parse_authorization
from closecalls.http.errors import UNAUTHORIZED
from tests.conftest import client_for

CALL = "/api/v1/activity/call/acti_missing/"


def test_parse_basic_with_empty_password() -> None:
    header = "Basic " + base64.b64encode(b"api_abc.def:").decode()
    assert parse_authorization(header) == ("api_key", "api_abc.def")


def test_parse_rejects_garbage() -> None:
    assert parse_authorization(None) is None
    assert parse_authorization("Basic !!!") is None
    assert parse_authorization("Basic " + base64.b64encode(b":pw").decode()) is None
    assert parse_authorization("Digest abc") is None
    assert parse_authorization("Bearer ") is None


async def test_valid_key_reaches_the_handler(app: App, tenant: Tenant) -> None:
    async with client_for(app, tenant.api_key) as client:
        assert (await client.get(CALL)).status_code == 404


async def test_missing_or_wrong_credentials_are_401_with_json_error(
    app: App, tenant: Tenant
) -> None:
    for key in (None, "api_wrong.key", tenant.api_key + "x", tenant.api_key[:-1]):
        async with client_for(app, key) as client:
            response = await client.get(CALL)
        assert response.status_code == 401, key
        assert response.json() == {"error": UNAUTHORIZED}


async def test_bearer_token_authenticates_and_expires(
    app: App, tenant: Tenant, clock: ManualClock
) -> None:
    services = app.services
    token = await accounts.create_access_token(
        services.store, user=tenant.user, clock=clock, ids=services.ids, lifetime_seconds=60
    )
    headers = {"authorization": f"Bearer {token}"}
    async with client_for(app, None) as client:
        assert (await client.get(CALL, headers=headers)).status_code == 404
        clock.advance(timedelta(seconds=61))
        assert (await client.get(CALL, headers=headers)).status_code == 401


async def test_an_api_key_is_not_a_bearer_token(app: App, tenant: Tenant) -> None:
    async with client_for(app, None) as client:
        response = await client.get(CALL, headers={"authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 401


async def test_revoked_key_stops_working_within_a_second(app: App, tenant: Tenant) -> None:
    async with client_for(app, tenant.api_key) as client:
        assert (await client.get(CALL)).status_code == 404
        assert await accounts.revoke_api_key(app.services.store, tenant.api_key)
        await asyncio.sleep(1.05)
        assert (await client.get(CALL)).status_code == 401


async def test_keys_are_stored_hashed(app: App, tenant: Tenant) -> None:
    match = await accounts.find_api_key(app.services.store, tenant.api_key)
    assert match is not None
    assert tenant.api_key.encode() not in match.secret_hash
    assert len(match.secret_hash) == 32


async def test_unauthenticated_requests_to_unknown_paths_are_404(app: App) -> None:
    async with client_for(app, None) as client:
        assert (await client.get("/api/v1/nothing/")).status_code == 404


async def test_each_key_sees_its_own_organization(
    app: App, tenant: Tenant, other_tenant: Tenant
) -> None:
    async with client_for(app, other_tenant.api_key) as other:
        call = (await other.post("/api/v1/activity/call/", json={})).json()
    assert call["organization_id"] == other_tenant.organization.id
    async with client_for(app, tenant.api_key) as mine:
        response = await mine.get(f"/api/v1/activity/call/{call['id']}/")
    assert response.status_code == 404


async def test_http_client_basic_auth_helper_works(app: App, tenant: Tenant) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(CALL, auth=httpx.BasicAuth(tenant.api_key, ""))
    assert response.status_code == 404
