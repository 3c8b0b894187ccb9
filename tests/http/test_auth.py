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


# Credentials and headers no client should send: each is a 401 (or the 4xx of the header it
# breaks) in Close's shape, before any handler runs.
MALFORMED_AUTHORIZATION = [
    b"Basic \xff\xfe\xfd", b"Basic \xc3\xa9t\xc3\xa9", b"Basic " + base64.b64encode(b"\xff\xfe:"),
    b"Basic " + base64.b64encode("clé:".encode("latin-1")), b"Basic", b"Basic    ", b"Basic ====",
    b"Basic YQ", b"Basic " + base64.b64encode(b":") , b"Basic \x7f", b"basic " + b"A" * 9000,
    b"Bearer \xff\xfe\xfd", b"Bearer \xc3\xa9", b"Bearer", b"\xff\xfe", b"Digest realm=x",
    b"Basic\tYWJj", b"Bearer " + b"\x01",
]  # fmt: skip


async def test_every_malformed_credential_is_a_401_in_closes_shape(app: App) -> None:
    async with client_for(app, None) as client:
        for header in MALFORMED_AUTHORIZATION:
            response = await client.get(CALL, headers=[(b"authorization", header)])
            assert response.status_code == 401, header
            assert response.json() == {"error": UNAUTHORIZED}, header


async def test_headers_in_other_encodings_are_4xx_never_500(app: App, tenant: Tenant) -> None:
    json_body = (b"content-type", b"application/json")
    cases = [
        ("GET", b"x-tz-offset", "\u0661".encode()), ("GET", b"x-tz-offset", b"\xb2"),
        ("GET", b"x-tz-offset", b"nan"), ("GET", b"x-tz-offset", b"1e1"),
        ("POST", b"idempotency-key", b"\xff\xfe"), ("POST", b"x-http-method-override", b"G\xc9T"),
        ("POST", b"content-type", b"application/\xffjson"),
    ]  # fmt: skip
    async with client_for(app, tenant.api_key) as client:
        for method, name, value in cases:
            headers = [(name, value)] if name == b"content-type" else [json_body, (name, value)]
            response = await client.request(
                method, "/api/v1/activity/call/", content=b"{}", headers=headers
            )
            assert 400 <= response.status_code < 500, (name, value, response.text)
            assert isinstance(response.json()["error"], str)
