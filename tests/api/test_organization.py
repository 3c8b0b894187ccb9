"""/me/, /user/, /organization/{id}/ in Close's shapes; paging maxima; doubled slashes."""

from __future__ import annotations

import httpx

from closecalls.accounts import Tenant
from closecalls.app import App
from tests.factories import create_lead, create_user


async def test_me_and_organization_carry_memberships(
    app: App, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rep = await create_user(app, tenant)
    me = (await client.get("/api/v1/me/")).json()
    [membership] = me["memberships"]
    assert (membership["user_id"], membership["role_id"]) == (tenant.user.id, "admin")
    assert membership["id"].startswith("memb_")
    [organization] = me["organizations"]
    assert {m["user_id"] for m in organization["memberships"]} == {tenant.user.id, rep.id}
    assert organization["inactive_memberships"] == [] and organization["user_count"] == 2
    path = f"/api/v1/organization/{tenant.organization.id}/"
    found = (await client.get(path)).json()
    roles = {m["user_id"]: m["role"] for m in found["memberships"]}
    assert roles == {tenant.user.id: "admin", rep.id: "user"}
    assert found["memberships"][0]["user_email"] is not None or rep.email is None
    nested = (await client.get(path, params={"_expand": "memberships__user"})).json()
    assert {m["user"]["id"] for m in nested["memberships"]} == {tenant.user.id, rep.id}
    assert (await client.get(path, params={"_expand": "leads"})).status_code == 400
    assert found["lead_statuses"][0]["label"] == "Potential"
    assert (found["currency"], found["currency_symbol"]) == ("USD", "$")


async def test_put_organization(client: httpx.AsyncClient, tenant: Tenant) -> None:
    path = f"/api/v1/organization/{tenant.organization.id}/"
    changed = (await client.put(path, json={"name": "Acme Ltd", "currency": "EUR"})).json()
    assert (changed["name"], changed["currency"], changed["currency_symbol"]) == (
        "Acme Ltd", "EUR", "€",
    )  # fmt: skip
    assert (await client.get("/api/v1/me/")).json()["organizations"][0]["name"] == "Acme Ltd"
    bad = await client.put(path, json={"currency": "euro"})
    assert bad.json()["field-errors"] == {"currency": "Not a valid choice."}


async def test_paging_maxima(client: httpx.AsyncClient) -> None:
    for path, maximum in (("/api/v1/lead/", 200), ("/api/v1/contact/", 200),
                          ("/api/v1/user/", 1000), ("/api/v1/custom_field/lead/", 1000),
                          ("/api/v1/activity/call/", 100)):  # fmt: skip
        assert (await client.get(path, params={"_limit": maximum})).status_code == 200
        refused = await client.get(path, params={"_limit": maximum + 1})
        assert refused.status_code == 400
        assert f"(max_limit = {maximum})" in refused.json()["error"]


async def test_doubled_slash_is_served(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    response = await client.get(f"/api/v1//lead/{lead['id']}/")
    assert response.status_code == 200 and response.json()["id"] == lead["id"]
    assert (await client.get("/api/v1//me/")).status_code == 200
    assert (await client.get("//api/v1/me/")).status_code == 404
