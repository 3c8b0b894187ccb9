"""The admin API: its token, organizations, users, keys and reset, on both backends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from closecalls.app import App
from closecalls.settings import Settings
from tests.conftest import client_for
from tests.toolkit.conftest import TOKEN, Org


async def test_off_by_default_the_admin_paths_are_not_found(app: App) -> None:
    async with client_for(app, None) as anonymous:
        response = await anonymous.post(
            "/_closecalls/organizations/", headers={"authorization": "Bearer anything"}
        )
    assert response.status_code == 404
    assert app.toolkit is None


async def test_only_the_admin_token_opens_the_admin_api(admin_app: App, org: Org) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=admin_app), base_url="http://testserver"
    ) as http:
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN},
                        {"authorization": f"Basic {TOKEN}"}):  # fmt: skip
            response = await http.post("/_closecalls/organizations/", headers=headers)
            assert response.status_code == 401, headers
            assert "error" in response.json()
        # An API key is not an admin token, and the admin token is not an API key.
        refused = await http.get(f"/_closecalls{org.path}", auth=(org.api_key, ""))
        assert refused.status_code == 401
        me = await http.get("/api/v1/me/", headers={"authorization": f"Bearer {TOKEN}"})
        assert me.status_code == 401


async def test_a_new_organization_comes_with_a_working_key(
    admin: httpx.AsyncClient, org: Org
) -> None:
    me = await org.http.get("/me/")
    assert me.status_code == 200
    assert me.json()["id"] == org.user_id
    assert me.json()["organizations"][0]["id"] == org.id
    state = (await admin.get(org.path)).json()
    assert state["id"] == org.id
    assert state["mode"] == "strict"
    assert state["clock"]["frozen"] is False
    assert (await admin.get("/organizations/orga_nope/")).status_code == 404


async def test_users_and_keys(admin: httpx.AsyncClient, admin_app: App, org: Org) -> None:
    made = await admin.post(org.path + "users/", json={"first_name": "Rita", "last_name": "Rep"})
    assert made.status_code == 201
    rita = made.json()
    async with client_for(admin_app, rita["api_key"]) as as_rita:
        assert (await as_rita.get("/api/v1/me/")).json()["first_name"] == "Rita"
    users = (await org.http.get("/user/")).json()["data"]
    assert {user["id"] for user in users} == {org.user_id, rita["user"]["id"]}

    key = await admin.post(org.path + "keys/", json={"user_id": rita["user"]["id"]})
    assert key.status_code == 201
    async with client_for(admin_app, key.json()["api_key"]) as again:
        assert (await again.get("/api/v1/me/")).json()["id"] == rita["user"]["id"]
    owner_key = (await admin.post(org.path + "keys/")).json()
    assert owner_key["user_id"] == org.user_id

    assert (await admin.post(org.path + "keys/", json={"user_id": "user_nope"})).status_code == 404
    missing = await admin.post(org.path + "users/", json={"last_name": "Rep"})
    assert missing.status_code == 400
    assert missing.json()["field-errors"] == {"first_name": "This field is required."}


async def test_reset_empties_one_organization_only(
    admin: httpx.AsyncClient, org: Org, other_org: Org
) -> None:
    for member in (org, other_org):
        lead = (await member.http.post("/lead/", json={"name": "Acme"})).json()
        phones = [{"phone": "+16505551234"}]
        await member.http.post("/contact/", json={"lead_id": lead["id"], "phones": phones})
        await member.http.post("/outcome/", json={"name": "Booked"})
        await member.http.post("/activity/call/", json={"lead_id": lead["id"]})
    await admin.put(org.path + "clock/", json={"now": "2020-01-01T00:00:00Z"})
    await admin.post(org.path + "faults/", json={"path": "/nowhere/", "status": 503})

    assert (await admin.post(org.path + "reset/")).status_code == 200

    for path in ("/lead/", "/contact/", "/outcome/", "/activity/call/", "/activity/"):
        assert (await org.http.get(path)).json()["data"] == [], path
        assert len((await other_org.http.get(path)).json()["data"]) == 1, path
    state = (await admin.get(org.path)).json()
    assert state["clock"]["frozen"] is False
    assert state["faults"] == 0
    # The key still works and the phone number is free to be used again.
    contact = await org.http.post("/contact/", json={"phones": [{"phone": "+16505551234"}]})
    assert contact.status_code == 200
    assert (await org.http.get("/me/")).status_code == 200


async def test_admin_bodies_are_checked(admin: httpx.AsyncClient, org: Org) -> None:
    bad = await admin.post(
        "/organizations/", content=b"{", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    assert (await admin.post("/organizations/", json={"name": 5})).status_code == 400
    assert (await admin.put(org.path + "mode/", json={"mode": "lenient"})).status_code == 400
    assert (await admin.put(org.path + "ids/", json={"seed": "x"})).status_code == 400
    assert (await admin.get("/organizations/")).status_code == 405


def test_every_admin_route_is_in_the_api_reference(admin_app: App) -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    assert admin_app.toolkit is not None
    routes = admin_app.toolkit.admin.router.routes
    assert len(routes) == 14
    for route in routes:
        for method in route.methods:
            assert f"| {method} | `{route.path}` |" in reference, (method, route.path)
    # They are not Close's routes: the public OpenAPI document leaves them out.
    assert not any(route.path.startswith("/_closecalls") for route in admin_app.router.routes)


def test_settings_refuse_what_the_toolkit_cannot_do() -> None:
    postgres = "postgresql://localhost/closecalls"
    with pytest.raises(ValueError, match="single worker"):
        Settings.load({"database": postgres, "workers": 2, "admin_token": "t"}, environ={})
    with pytest.raises(ValueError, match="admin_token"):
        Settings.load({"mode": "loose"}, environ={})
    with pytest.raises(ValueError, match="strict or loose"):
        Settings.load({"mode": "lenient", "admin_token": "t"}, environ={})
    loose = Settings.load(environ={"CLOSECALLS_MODE": "loose", "CLOSECALLS_ADMIN_TOKEN": "t"})
    assert (loose.mode, loose.admin_token) == ("loose", "t")
