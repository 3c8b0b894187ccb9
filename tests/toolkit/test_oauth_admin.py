"""OAuth apps through the admin API and seed files, and headless consent, on both backends."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from closecalls.app import App
from tests.toolkit.conftest import Org

CALLBACK = "https://dialer.example/cb"


async def exchange(app: App, client: dict[str, str], code: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        return await http.post("/oauth2/token/", data={
            "client_id": client["client_id"], "client_secret": client["client_secret"],
            "grant_type": "authorization_code", "code": code,
        })  # fmt: skip


async def test_register_then_approve_headless(
    admin: httpx.AsyncClient, admin_app: App, org: Org
) -> None:
    made = await admin.post(org.path + "apps/", json={"name": "Dialer",
                                                     "redirect_uris": [CALLBACK]})  # fmt: skip
    assert made.status_code == 201, made.text
    client = made.json()
    assert set(client) == {"client_id", "client_secret", "name", "redirect_uris",
                           "organization_id", "date_created"}  # fmt: skip
    approved = await admin.post(org.path + "oauth2/authorize/", json={
        "client_id": client["client_id"], "state": "abc",
    })  # fmt: skip
    assert approved.status_code == 200, approved.text
    location = approved.json()["redirect_to"]
    assert parse_qs(urlsplit(location).query) == {
        "code": [approved.json()["code"]], "state": ["abc"],
    }  # fmt: skip
    token = await exchange(admin_app, client, approved.json()["code"])
    assert token.status_code == 200, token.text
    assert token.json()["user_id"] == org.user_id

    declined = await admin.post(org.path + "oauth2/authorize/", json={
        "client_id": client["client_id"], "allow": False,
    })  # fmt: skip
    assert declined.json()["code"] is None
    assert "error=access_denied" in declined.json()["redirect_to"]


async def test_admin_refusals(admin: httpx.AsyncClient, org: Org) -> None:
    no_uris = await admin.post(org.path + "apps/", json={"name": "x", "redirect_uris": []})
    assert no_uris.status_code == 400
    bad_uri = await admin.post(org.path + "apps/", json={"redirect_uris": ["not a url"]})
    assert bad_uri.status_code == 400
    unknown = await admin.post(org.path + "oauth2/authorize/", json={"client_id": "nope"})
    assert (unknown.status_code, unknown.json()["errors"]) == (400, ["invalid_client"])
    nobody = await admin.post("/organizations/orga_nobody/apps/",
                              json={"redirect_uris": [CALLBACK]})  # fmt: skip
    assert nobody.status_code == 404


async def test_a_seed_file_registers_apps_with_chosen_credentials(
    admin: httpx.AsyncClient, admin_app: App, org: Org
) -> None:
    seed = (
        "apps:\n"
        "  - {name: Dialer, redirect_uris: ['https://dialer.example/cb'],\n"
        "     client_id: oa2client_seeded, client_secret: oa2secret_seeded}\n"
        "  - {$name: other, name: Other, redirect_uris: ['https://other.example/cb']}\n"
    )
    loaded = await admin.post(org.path + "seed/", content=seed,
                              headers={"content-type": "application/yaml"})  # fmt: skip
    assert loaded.status_code == 201, loaded.text
    body = loaded.json()
    assert body["created"]["apps"][0] == "oa2client_seeded"
    assert body["names"]["other"] == body["created"]["apps"][1]
    assert body["apps"][0]["client_secret"] == "oa2secret_seeded"
    approved = await admin.post(org.path + "oauth2/authorize/",
                                json={"client_id": "oa2client_seeded"})  # fmt: skip
    seeded = {"client_id": "oa2client_seeded", "client_secret": "oa2secret_seeded"}
    assert (await exchange(admin_app, seeded, approved.json()["code"])).status_code == 200
