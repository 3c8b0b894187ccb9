"""The leads, contacts, users and outcomes a call points to must be the caller's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.api.calls import call_row
from closecalls.app import App
from closecalls.http.responses import encode_json
from closecalls.store.rows import ActivityRow
from tests.conftest import client_for
from tests.factories import create_contact, create_lead, create_outcome

CALLS = "/api/v1/activity/call/"


async def test_every_unknown_reference_is_named(client: httpx.AsyncClient) -> None:
    body = {"lead_id": "lead_x", "contact_id": "cont_x", "outcome_id": "outcome_x",
            "user_id": "user_x"}  # fmt: skip
    response = await client.post(CALLS, json=body)
    assert response.status_code == 400
    assert response.json()["field-errors"] == dict.fromkeys(body, "Object does not exist.")


async def test_contact_alone_brings_its_lead_and_mismatch_is_refused(
    client: httpx.AsyncClient,
) -> None:
    lead, other = await create_lead(client), await create_lead(client, "Other")
    contact = await create_contact(client, lead["id"])
    call = (await client.post(CALLS, json={"contact_id": contact["id"]})).json()
    assert call["lead_id"] == lead["id"]
    response = await client.post(CALLS, json={"contact_id": contact["id"], "lead_id": other["id"]})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "contact_id": "The contact does not belong to this lead."
    }


async def test_update_checks_references_and_moves_leads_with_contacts(
    client: httpx.AsyncClient,
) -> None:
    lead, other = await create_lead(client), await create_lead(client, "Other")
    contact, their_contact = (
        await create_contact(client, lead["id"]),
        await create_contact(client, other["id"]),
    )
    call = (await client.post(CALLS, json={"contact_id": contact["id"]})).json()
    url = f"{CALLS}{call['id']}/"
    refused = await client.put(url, json={"lead_id": other["id"]})
    assert refused.status_code == 400
    assert (await client.get(url)).json() == call
    moved = (await client.put(url, json={"contact_id": their_contact["id"]})).json()
    assert (moved["lead_id"], moved["contact_id"]) == (other["id"], their_contact["id"])
    outcome = await create_outcome(client)
    assert (await client.put(url, json={"outcome_id": outcome["id"]})).json()[
        "outcome_id"
    ] == outcome["id"]
    assert (await client.put(url, json={"outcome_id": "outcome_nope"})).status_code == 400
    detached = (await client.put(url, json={"lead_id": None, "contact_id": None})).json()
    assert (detached["lead_id"], detached["contact_id"]) == (None, None)


async def test_unattached_calls_are_kept_and_listed(client: httpx.AsyncClient) -> None:
    call = (await client.post(CALLS, json={"phone": "+16505551234"})).json()
    assert (call["lead_id"], call["contact_id"]) == (None, None)
    assert [c["id"] for c in (await client.get(CALLS)).json()["data"]] == [call["id"]]


async def test_match_phone_is_off_by_default(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    await create_contact(client, lead["id"], phones=[{"phone": "+16505551234"}])
    call = (await client.post(CALLS, json={"phone": "(650) 555-1234"})).json()
    assert call["contact_id"] is None


@pytest.fixture
async def matching(app: App, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same server with `--match-phone` on."""
    settings = app.services.settings.replace(match_phone=True)
    async with client_for(App(replace(app.services, settings=settings)), tenant.api_key) as http:
        yield http


async def test_match_phone_links_the_newest_contact_with_that_number(
    client: httpx.AsyncClient, matching: httpx.AsyncClient
) -> None:
    lead, newer_lead = await create_lead(client), await create_lead(client, "Newer")
    await create_contact(client, lead["id"], phones=[{"phone": "+16505551234"}])
    newest = await create_contact(client, newer_lead["id"], phones=[{"phone": "+1 650 555 1234"}])
    call = (await matching.post(CALLS, json={"phone": "650-555-1234"})).json()
    assert (call["contact_id"], call["lead_id"]) == (newest["id"], newer_lead["id"])
    chosen = (
        await matching.post(CALLS, json={"phone": "650-555-1234", "lead_id": lead["id"]})
    ).json()
    assert (chosen["lead_id"], chosen["contact_id"]) == (lead["id"], None)
    unknown = (await matching.post(CALLS, json={"phone": "+16505550000"})).json()
    assert unknown["contact_id"] is None


async def test_a_put_racing_a_contact_change_is_checked_again(
    app: App, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_a, lead_b = await create_lead(client), await create_lead(client, "B")
    contact_a = await create_contact(client, lead_a["id"])
    contact_b = await create_contact(client, lead_b["id"])
    call = (await client.post(CALLS, json={"contact_id": contact_a["id"]})).json()
    store = app.services.store
    real_update = store.update_activity
    raced = []

    async def another_request_first(
        organization_id: str,
        kind: str,
        call_id: str,
        change: Callable[[bytes], ActivityRow],
        **options: Any,
    ) -> bytes | None:
        if not raced:  # between our check and our write, the call moves to lead B's contact
            raced.append(True)
            moved = {**call, "contact_id": contact_b["id"], "lead_id": lead_b["id"]}
            await real_update(organization_id, kind, call_id,
                              lambda _: call_row(moved, encode_json(moved)))  # fmt: skip
        return await real_update(organization_id, kind, call_id, change, **options)

    monkeypatch.setattr(store, "update_activity", another_request_first)
    response = await client.put(f"{CALLS}{call['id']}/", json={"lead_id": lead_a["id"]})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "lead_id": "The contact does not belong to this lead."
    }
    final = (await client.get(f"{CALLS}{call['id']}/")).json()
    assert (final["lead_id"], final["contact_id"]) == (lead_b["id"], contact_b["id"])


@pytest.mark.parametrize("named", ["lead", "contact", "outcome", "other organization's lead"])
async def test_a_create_whose_references_the_write_finds_wrong_stores_nothing(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, named: str
) -> None:
    # Without user_id, the write itself checks the references: a wrong one must still be
    # named, with nothing stored.
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    bodies: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
        "lead": ({"lead_id": "lead_missing"}, {"lead_id": "Object does not exist."}),
        "contact": ({"lead_id": lead["id"], "contact_id": lead["id"]},
                    {"contact_id": "Object does not exist."}),
        "outcome": ({"lead_id": lead["id"], "contact_id": contact["id"],
                     "outcome_id": contact["id"]}, {"outcome_id": "Object does not exist."}),
        "other organization's lead": ({"lead_id": (await create_lead(other_client))["id"]},
                                      {"lead_id": "Object does not exist."}),
    }  # fmt: skip
    body, expected = bodies[named]
    response = await client.post(CALLS, json={**body, "phone": "+16505550199"})
    assert response.status_code == 400
    assert response.json()["field-errors"] == expected
    assert (await client.get(CALLS)).json()["data"] == []
    created = await client.post(CALLS, json={"lead_id": lead["id"], "contact_id": contact["id"]})
    assert created.status_code == 200
    assert (created.json()["lead_id"], created.json()["contact_id"]) == (lead["id"], contact["id"])


async def test_a_note_whose_lead_the_write_finds_missing_stores_nothing(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    # Every activity type's create takes the same path: a note on another organization's
    # lead is refused by name, and nothing is stored.
    theirs = await create_lead(other_client)
    response = await client.post("/api/v1/activity/note/", json={"lead_id": theirs["id"]})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {"lead_id": "Object does not exist."}
    assert (await client.get("/api/v1/activity/note/")).json()["data"] == []
