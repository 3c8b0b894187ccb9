"""/api/v1/contact/: phones normalised, a lead made when none is given."""

from __future__ import annotations

import httpx

from tests.factories import create_contact, create_lead

CONTACTS = "/api/v1/contact/"


async def test_contact_without_a_lead_gets_a_lead_named_after_it(client: httpx.AsyncClient) -> None:
    contact = await create_contact(client, None, name="Bob Smith")
    lead = (await client.get(f"/api/v1/lead/{contact['lead_id']}/")).json()
    assert lead["name"] == "Bob Smith"
    assert [c["id"] for c in lead["contacts"]] == [contact["id"]]


async def test_phones_are_normalised_and_bad_ones_refused(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    contact = await create_contact(
        client, lead["id"], phones=[{"phone": "+44 7496 394234", "type": "mobile"}]
    )
    assert contact["phones"][0]["phone"] == "+447496394234"
    assert contact["phones"][0]["country"] == "GB"
    response = await client.post(
        CONTACTS, json={"lead_id": lead["id"], "phones": [{"phone": "call me"}], "title": 5}
    )
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "phones": "Invalid phone number.",
        "title": "Value must be of str type.",
    }


async def test_unknown_lead_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(CONTACTS, json={"lead_id": "lead_nope", "name": "X"})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {"lead_id": "Object does not exist."}


async def test_update_list_and_delete(client: httpx.AsyncClient) -> None:
    lead, other = await create_lead(client), await create_lead(client, "Other")
    ann = await create_contact(client, lead["id"])
    await create_contact(client, other["id"], name="Zed")
    updated = (await client.put(f"{CONTACTS}{ann['id']}/", json={"title": "CTO"})).json()
    assert (updated["title"], updated["name"]) == ("CTO", "Ann")
    page = (await client.get(CONTACTS, params={"lead_id": lead["id"]})).json()
    assert [c["id"] for c in page["data"]] == [ann["id"]]
    assert len((await client.get(CONTACTS)).json()["data"]) == 2
    assert (await client.delete(f"{CONTACTS}{ann['id']}/")).json() == {}
    assert (await client.get(f"{CONTACTS}{ann['id']}/")).status_code == 404
