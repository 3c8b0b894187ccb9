"""/api/v1/custom_field/…: definitions, and their values on leads and contacts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import create_lead

FIELDS = "/api/v1/custom_field/"


async def _field(client: httpx.AsyncClient, kind: str = "lead", **body: Any) -> dict[str, Any]:
    response = await client.post(f"{FIELDS}{kind}/", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_definitions_crud(client: httpx.AsyncClient) -> None:
    made = await _field(client, name="Outcome", type="choices", choices=["Reached", "Voicemail"])
    assert made["id"].startswith("cf_") and made["accepts_multiple_values"] is False
    assert (await client.get(f"{FIELDS}lead/{made['id']}/")).json() == made
    assert (await client.get(f"{FIELDS}contact/{made['id']}/")).status_code == 404
    listed = (await client.get(f"{FIELDS}lead/", params={"_limit": 1000})).json()
    assert listed == {"data": [made], "has_more": False}
    renamed = (
        await client.put(f"{FIELDS}lead/{made['id']}/", json={"name": "Last outcome"})
    ).json()
    assert renamed["name"] == "Last outcome"
    refused = await client.put(f"{FIELDS}lead/{made['id']}/", json={"type": "text"})
    assert refused.status_code == 400 and "type" in refused.json()["field-errors"]
    bad = await client.post(f"{FIELDS}lead/", json={"name": "", "type": "colour"})
    assert bad.json()["field-errors"] == {"name": "This field is required.",
                                          "type": "Not a valid choice."}  # fmt: skip
    missing = await client.get(f"{FIELDS}lead/cf_nope/")
    assert missing.json() == {
        "error": "Empty query: LeadCustomField matching query does not exist."
    }
    assert (await client.get(f"{FIELDS}task/")).status_code == 404


async def test_values_set_unset_validated_and_projected(client: httpx.AsyncClient) -> None:
    outcome = await _field(client, name="Outcome", type="choices", choices=["Reached", "Voicemail"])
    days = await _field(client, name="Days", type="choices", choices=["Mon", "Tue", "Wed"],
                        accepts_multiple_values=True)  # fmt: skip
    count = await _field(client, name="Calls", type="number")
    key, days_key, count_key = (f"custom.{f['id']}" for f in (outcome, days, count))
    lead = await create_lead(client, **{key: "Reached", days_key: ["Mon"], count_key: "3"})
    assert (lead[key], lead[days_key], lead[count_key]) == ("Reached", ["Mon"], 3)
    bad = await client.post("/api/v1/lead/", json={key: "Maybe", count_key: "x",
                                                   "custom.cf_unknown": 1})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["field-errors"] == {key: "Not a valid choice.", count_key: "Invalid number.",
                                          "custom.cf_unknown": "Unknown custom field."}  # fmt: skip
    path = f"/api/v1/lead/{lead['id']}/"
    updated = (await client.put(path, json={f"{days_key}.add": "Wed", key: None})).json()
    assert updated[days_key] == ["Mon", "Wed"] and key not in updated
    updated = (await client.put(path, json={f"{days_key}.remove": "Mon"})).json()
    assert updated[days_key] == ["Wed"]
    projected = (await client.get(path, params={"_fields": "id,custom"})).json()
    assert projected == {"id": lead["id"], days_key: ["Wed"], count_key: 3}
    one = (await client.get(path, params={"_fields": count_key})).json()
    assert one == {count_key: 3}
    listed = (await client.get("/api/v1/lead/")).json()["data"][0]
    assert listed[count_key] == 3
    found = await client.get("/api/v1/lead/", params={"query": "custom.Calls:3"})
    assert [item["id"] for item in found.json()["data"]] == [lead["id"]]
    events = (await client.get("/api/v1/event/", params={"lead_id": lead["id"]})).json()["data"]
    assert any(days_key in event.get("changed_fields", []) for event in events)
    assert (await client.delete(f"{FIELDS}lead/{days['id']}/")).json() == {}
    assert days_key not in (await client.get(path)).json()


async def test_contact_values_and_user_references(client: httpx.AsyncClient, tenant) -> None:  # type: ignore[no-untyped-def]
    owner = await _field(client, "contact", name="Owner", type="user")
    key = f"custom.{owner['id']}"
    lead = await create_lead(client)
    made = await client.post("/api/v1/contact/", json={"lead_id": lead["id"],
                                                       key: tenant.user.id})  # fmt: skip
    assert made.json()[key] == tenant.user.id
    bad = await client.put(f"/api/v1/contact/{made.json()['id']}/", json={key: "user_nope"})
    assert bad.json()["field-errors"] == {key: "Object does not exist."}
