"""/api/v1/status/lead/: defaults, changes, leads kept consistent, the status-change activity."""

from __future__ import annotations

import httpx

from tests.factories import create_lead

STATUSES = "/api/v1/status/lead/"


async def _statuses(client: httpx.AsyncClient) -> list[dict[str, str]]:
    response = await client.get(STATUSES)
    assert response.status_code == 200
    assert response.json()["has_more"] is False
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_new_organization_has_closes_defaults(client: httpx.AsyncClient) -> None:
    found = await _statuses(client)
    assert [status["label"] for status in found] == [
        "Potential",
        "Bad Fit",
        "Qualified",
        "Customer",
    ]
    lead = await create_lead(client)
    assert (lead["status_id"], lead["status_label"]) == (found[0]["id"], "Potential")


async def test_create_rename_and_use_a_status(client: httpx.AsyncClient) -> None:
    before = await create_lead(client, status_label="Qualified")
    made = (await client.post(STATUSES, json={"label": "Interested"})).json()
    assert made["id"].startswith("stat_") and made["label"] == "Interested"
    assert [s["label"] for s in await _statuses(client)][-1] == "Interested"
    lead = await create_lead(client, status_id=made["id"])
    assert lead["status_label"] == "Interested"
    by_label = await create_lead(client, status="interested")
    assert by_label["status_id"] == made["id"]
    renamed = await client.put(f"{STATUSES}{made['id']}/", json={"label": "Warm"})
    assert renamed.json()["label"] == "Warm"
    assert (await client.get(f"/api/v1/lead/{lead['id']}/")).json()["status_label"] == "Warm"
    assert (await client.get(f"/api/v1/lead/{before['id']}/")).json()["status_label"] == "Qualified"
    duplicate = await client.post(STATUSES, json={"label": "warm"})
    assert duplicate.status_code == 400 and "label" in duplicate.json()["field-errors"]
    assert (await client.post(STATUSES, json={})).json()["field-errors"] == {
        "label": "This field is required."
    }
    nul = await client.post(STATUSES, json={"label": "a\x00b"})
    assert nul.json()["field-errors"] == {"label": "NUL characters are not allowed."}


async def test_a_status_in_use_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    found = await _statuses(client)
    lead = await create_lead(client, status_id=found[1]["id"])
    refused = await client.delete(f"{STATUSES}{found[1]['id']}/")
    assert refused.status_code == 400 and "1 lead" in refused.json()["error"]
    await client.put(f"/api/v1/lead/{lead['id']}/", json={"status_id": found[0]["id"]})
    assert (await client.delete(f"{STATUSES}{found[1]['id']}/")).json() == {}
    assert len(await _statuses(client)) == 3
    assert (await client.delete(f"{STATUSES}{found[1]['id']}/")).status_code == 404
    bad = await client.put(f"/api/v1/lead/{lead['id']}/", json={"status_id": found[1]["id"]})
    assert bad.status_code == 400 and "status" in bad.json()["field-errors"]


async def test_last_status_stays(client: httpx.AsyncClient) -> None:
    found = await _statuses(client)
    for status in found[1:]:
        assert (await client.delete(f"{STATUSES}{status['id']}/")).status_code == 200
    assert (await client.delete(f"{STATUSES}{found[0]['id']}/")).status_code == 400


async def test_changing_a_leads_status_logs_an_activity_and_events(
    client: httpx.AsyncClient,
) -> None:
    lead = await create_lead(client)
    await client.put(f"/api/v1/lead/{lead['id']}/", json={"description": "same status"})
    await client.put(f"/api/v1/lead/{lead['id']}/", json={"status": "Customer"})
    activities = (await client.get("/api/v1/activity/", params={"lead_id": lead["id"]})).json()
    [change] = [item for item in activities["data"] if item["_type"] == "LeadStatusChange"]
    assert (change["old_status_label"], change["new_status_label"]) == ("Potential", "Customer")
    assert change["lead_id"] == lead["id"] and change["old_status_id"] == lead["status_id"]
    events = (await client.get("/api/v1/event/", params={"lead_id": lead["id"]})).json()["data"]
    kinds = {(event["object_type"], event["action"]) for event in events}
    assert ("activity.lead_status_change", "created") in kinds
    assert ("lead", "updated") in kinds


async def test_organization_reorders_statuses(client: httpx.AsyncClient, tenant) -> None:  # type: ignore[no-untyped-def]
    found = await _statuses(client)
    order = [found[3]["id"], found[0]["id"], found[1]["id"], found[2]["id"]]
    path = f"/api/v1/organization/{tenant.organization.id}/"
    response = await client.put(path, json={"lead_statuses": [{"id": i} for i in order]})
    assert [s["id"] for s in response.json()["lead_statuses"]] == order
    assert (await create_lead(client))["status_label"] == "Customer"
    bad = await client.put(path, json={"lead_statuses": order[:2]})
    assert bad.status_code == 400 and "lead_statuses" in bad.json()["field-errors"]
