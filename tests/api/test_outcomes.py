"""/api/v1/outcome/: Close's Outcome API."""

from __future__ import annotations

import httpx

OUTCOMES = "/api/v1/outcome/"


async def test_create_answers_201_with_location(client: httpx.AsyncClient) -> None:
    response = await client.post(OUTCOMES, json={"name": "Voicemail", "type": "vm-dropped",
                                                 "applies_to": ["meetings"]})  # fmt: skip
    assert response.status_code == 201
    outcome = response.json()
    assert response.headers["location"] == f"/api/v1/outcome/{outcome['id']}/"
    assert outcome["id"].startswith("outcome_") and len(outcome["id"]) == len("outcome_") + 22
    assert (outcome["type"], outcome["applies_to"]) == ("vm-dropped", ["calls"])
    assert (await client.get(f"{OUTCOMES}{outcome['id']}/")).json() == outcome


async def test_name_is_required_and_type_checked(client: httpx.AsyncClient) -> None:
    response = await client.post(OUTCOMES, json={"type": "great"})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "type": "Not a valid choice.",
        "name": "This field is required.",
    }


async def test_update_list_delete(client: httpx.AsyncClient) -> None:
    outcome = (await client.post(OUTCOMES, json={"name": "Interested"})).json()
    assert outcome["applies_to"] == ["calls", "meetings"]
    updated = (await client.put(f"{OUTCOMES}{outcome['id']}/", json={"description": "Warm"})).json()
    assert (updated["name"], updated["description"]) == ("Interested", "Warm")
    assert [o["id"] for o in (await client.get(OUTCOMES)).json()["data"]] == [outcome["id"]]
    assert (await client.delete(f"{OUTCOMES}{outcome['id']}/")).json() == {}
    assert (await client.get(f"{OUTCOMES}{outcome['id']}/")).status_code == 404
