"""/api/v1/me/, /api/v1/user/ and /api/v1/organization/{id}/."""

from __future__ import annotations

import httpx

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App


async def test_me_is_the_keys_user_with_its_organizations(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    me = (await client.get("/api/v1/me/")).json()
    assert me["id"] == tenant.user.id
    assert (me["first_name"], me["last_name"]) == ("API", "User")
    [organization] = me["organizations"]
    assert {key: organization[key] for key in ("id", "name", "date_created", "date_updated")} == {
        "id": tenant.organization.id, "name": "Acme",
        "date_created": tenant.organization.date_created,
        "date_updated": tenant.organization.date_created,
    }  # fmt: skip
    assert (await client.get("/api/v1/me/", params={"_fields": "id"})).json() == {"id": me["id"]}


async def test_users_of_the_organization_are_listed_and_fetched(
    app: App, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    services = app.services
    rep = await accounts.create_user(
        services.store, organization_id=tenant.organization.id, first_name="Rita",
        last_name="Rep", email="rita@example.com", clock=services.clock, ids=services.ids,
    )  # fmt: skip
    page = (await client.get("/api/v1/user/")).json()
    assert [user["id"] for user in page["data"]] == [tenant.user.id, rep.id]
    assert page["has_more"] is False
    first = (await client.get("/api/v1/user/", params={"_limit": 1})).json()
    assert (len(first["data"]), first["has_more"]) == (1, True)
    fetched = (await client.get(f"/api/v1/user/{rep.id}/")).json()
    assert (fetched["email"], fetched["display_name"]) == ("rita@example.com", "Rita Rep")
    stranger = await client.get(f"/api/v1/user/{other_tenant.user.id}/")
    assert stranger.status_code == 404
    assert stranger.json() == {"error": "Empty query: User matching query does not exist."}


async def test_only_the_callers_organization_can_be_read(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await client.get(f"/api/v1/organization/{tenant.organization.id}/")
    assert (mine.status_code, mine.json()["name"]) == (200, "Acme")
    theirs = await client.get(f"/api/v1/organization/{other_tenant.organization.id}/")
    assert theirs.status_code == 404
    assert "Globex" not in theirs.text
