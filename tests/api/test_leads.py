"""/api/v1/lead/: leads with embedded contacts; deleting one takes its contacts and calls."""

from __future__ import annotations

import httpx

from closecalls.accounts import Tenant
from closecalls.domain.leads import default_statuses
from tests.factories import create_contact, create_lead

LEADS = "/api/v1/lead/"


async def test_create_with_inline_contacts(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {
        "name": "Acme", "url": "https://acme.example.com", "description": "Rockets",
        "contacts": [{"name": "Ann", "title": "CEO", "phones": [{"phone": "(650) 555-1234"}],
                      "emails": [{"email": "ann@acme.example.com", "type": "office"}]}],
    }  # fmt: skip
    response = await client.post(LEADS, json=body)
    assert response.status_code == 200
    lead = response.json()
    assert (lead["name"], lead["display_name"], lead["status_label"]) == (
        "Acme",
        "Acme",
        "Potential",
    )
    assert lead["status_id"] in default_statuses(tenant.organization.id)
    assert (lead["organization_id"], lead["created_by"]) == (tenant.organization.id, tenant.user.id)
    [contact] = lead["contacts"]
    assert contact["lead_id"] == lead["id"]
    assert contact["phones"] == [{"phone": "+16505551234", "phone_formatted": "+1 650-555-1234",
                                  "type": "office", "country": "US",
                                  "outbound_sms_blocked": False,
                                  "tz_ids": ["America/Los_Angeles"]}]  # fmt: skip
    assert contact["emails"] == [{"email": "ann@acme.example.com", "type": "office",
                                  "is_unsubscribed": False}]  # fmt: skip
    assert (await client.get(f"{LEADS}{lead['id']}/")).json() == lead


async def test_status_by_label_and_bad_values(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client, status_label="Qualified")
    assert lead["status_label"] == "Qualified"
    body = {"status_id": "stat_nope", "url": "nope", "contacts": [{"emails": [{"email": "x"}]}]}
    response = await client.post(LEADS, json=body)
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "status": "Not a valid choice. Please go to Customizations in your organization "
        'settings and add "stat_nope" to the list of lead statuses.',
        "url": "Invalid URL.",
        "contacts.0.emails": "Invalid email address.",
    }
    assert (await client.get(LEADS)).json()["total_results"] == 1


async def test_update_is_partial(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client, description="old")
    response = await client.put(f"{LEADS}{lead['id']}/", json={"status_label": "Customer"})
    updated = response.json()
    assert (updated["status_label"], updated["description"], updated["name"]) == (
        "Customer", "old", "Acme",
    )  # fmt: skip


async def test_list_pages_and_counts(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await create_lead(client, f"Lead {n}")
    page = (await client.get(LEADS, params={"_limit": 2, "_fields": "id,name"})).json()
    assert (len(page["data"]), page["has_more"], page["total_results"]) == (2, True, 3)
    assert set(page["data"][0]) == {"id", "name"}


async def test_deleting_a_lead_deletes_its_contacts_and_calls(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    call = (await client.post("/api/v1/activity/call/", json={"contact_id": contact["id"]})).json()
    other = await create_lead(client, "Keep")
    kept = (await client.post("/api/v1/activity/call/", json={"lead_id": other["id"]})).json()
    assert (await client.delete(f"{LEADS}{lead['id']}/")).json() == {}
    assert (await client.get(f"{LEADS}{lead['id']}/")).status_code == 404
    assert (await client.get(f"/api/v1/contact/{contact['id']}/")).status_code == 404
    assert (await client.get(f"/api/v1/activity/call/{call['id']}/")).status_code == 404
    assert (await client.get(f"/api/v1/activity/call/{kept['id']}/")).status_code == 200
    assert (await client.delete(f"{LEADS}{lead['id']}/")).status_code == 404
