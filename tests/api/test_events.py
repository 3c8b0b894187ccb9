"""/api/v1/event/: every change writes an event with it, listed newest first by cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App, build_app
from closecalls.domain.clock import ManualClock
from closecalls.settings import Settings
from tests.conftest import client_for
from tests.factories import create_contact, create_lead, create_outcome

EVENTS = "/api/v1/event/"
CALLS = "/api/v1/activity/call/"


async def all_events(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every event matching the filters, following cursor_next to the end."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"_cursor": cursor} if cursor else {})}
        response = await client.get(EVENTS, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["data"]
        cursor = page["cursor_next"]
        if not cursor:
            return found


async def test_a_call_has_created_updated_and_deleted_events(
    client: httpx.AsyncClient, tenant: Tenant, clock: ManualClock
) -> None:
    lead = await create_lead(client)
    call = (await client.post(CALLS, json={"lead_id": lead["id"], "duration": 0})).json()
    clock.advance(timedelta(seconds=1))
    updated = (await client.put(f"{CALLS}{call['id']}/", json={"duration": 42})).json()
    clock.advance(timedelta(seconds=1))
    assert (await client.delete(f"{CALLS}{call['id']}/")).status_code == 200

    events = await all_events(client, object_type="activity.call", object_id=call["id"])
    assert [event["action"] for event in events] == ["deleted", "updated", "created"]
    deleted, update, created = events
    assert created["data"] == call
    assert created["object_type"] == "activity.call"
    assert created["lead_id"] == lead["id"]
    assert created["organization_id"] == tenant.organization.id
    assert created["user_id"] == tenant.user.id
    assert created["api_key_id"] == tenant.api_key.split(".")[0]
    assert created["meta"] == {"request_method": "POST", "request_path": CALLS}
    assert created["request_id"].startswith("req_")
    assert created["id"].startswith("ev_") and len(created["id"]) == 25
    # Close's event timestamps carry no zone.
    assert created["date_created"] == "2026-01-09T14:35:08.272000"
    assert update["data"] == updated
    assert set(update["changed_fields"]) == {"duration", "date_updated"}
    assert update["previous_data"] == {"duration": 0, "date_updated": call["date_updated"]}
    assert update["meta"]["request_method"] == "PUT"
    assert deleted["data"] is None
    assert deleted["previous_data"] == updated
    one = await client.get(f"{EVENTS}{update['id']}/")
    assert one.status_code == 200 and one.json() == update


async def test_leads_contacts_and_outcomes_record_events(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client, contacts=[{"name": "Bo"}])
    contact = await create_contact(client, lead["id"])
    outcome = await create_outcome(client)
    await client.put(f"/api/v1/contact/{contact['id']}/", json={"title": "CEO"})
    await client.put(f"/api/v1/outcome/{outcome['id']}/", json={"name": "Won"})
    call = (await client.post(CALLS, json={"contact_id": contact["id"]})).json()
    assert (await client.delete(f"/api/v1/lead/{lead['id']}/")).status_code == 200

    events = await all_events(client)
    seen = [(event["object_type"], event["action"], event["object_id"]) for event in events]
    bo = lead["contacts"][0]["id"]
    assert sorted(seen) == sorted([
        ("lead", "created", lead["id"]), ("contact", "created", bo),
        ("contact", "created", contact["id"]), ("outcome", "created", outcome["id"]),
        ("contact", "updated", contact["id"]), ("outcome", "updated", outcome["id"]),
        ("activity.call", "created", call["id"]),
        # Deleting a lead deletes its contacts and activities, each with its event.
        ("contact", "deleted", bo), ("contact", "deleted", contact["id"]),
        ("activity.call", "deleted", call["id"]), ("lead", "deleted", lead["id"]),
    ])  # fmt: skip
    for_lead = await all_events(client, lead_id=lead["id"])
    assert {event["object_id"] for event in for_lead} == {lead["id"], bo, contact["id"], call["id"]}
    deletions = [event for event in events if event["action"] == "deleted"]
    assert len({event["request_id"] for event in deletions}) == 1
    assert len(await all_events(client, request_id=deletions[0]["request_id"])) == 4


async def test_a_refused_change_records_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(CALLS, json={"direction": "sideways"})
    assert response.status_code == 400
    missing = await client.put(f"{CALLS}acti_missing/", json={"duration": 1})
    assert missing.status_code == 404
    assert await all_events(client) == []


async def test_cursors_walk_every_event_once_both_ways(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    created = []
    for n in range(7):
        created.append((await client.post(CALLS, json={"duration": n})).json()["id"])
        if n % 3 == 0:  # some events share a timestamp: ties are ordered too
            clock.advance(timedelta(milliseconds=5))
    first = (await client.get(EVENTS, params={"_limit": 3})).json()
    assert first["cursor_previous"] is None
    assert [e["object_id"] for e in first["data"]] == created[::-1][:3]
    pages = [first]
    while pages[-1]["cursor_next"]:
        pages.append(
            (await client.get(EVENTS, params={"_limit": 3, "_cursor": pages[-1]["cursor_next"]}))
            .json()
        )  # fmt: skip
    walked = [event["object_id"] for page in pages for event in page["data"]]
    assert walked == created[::-1]
    assert [len(page["data"]) for page in pages] == [3, 3, 1]
    # Back from the last page by cursor_previous.
    back = await client.get(EVENTS, params={"_limit": 3, "_cursor": pages[-1]["cursor_previous"]})
    assert [e["object_id"] for e in back.json()["data"]] == created[::-1][3:6]
    second = await client.get(
        EVENTS, params={"_limit": 3, "_cursor": back.json()["cursor_previous"]}
    )
    assert second.json()["data"] == first["data"]
    assert second.json()["cursor_previous"] is None


async def test_date_updated_bounds(client: httpx.AsyncClient, clock: ManualClock) -> None:
    ids = []
    for _ in range(3):
        ids.append((await client.post(CALLS, json={})).json()["id"])
        clock.advance(timedelta(hours=1))
    middle = "2026-01-09T15:35:08.272000"
    assert [e["object_id"] for e in await all_events(client, date_updated__gte=middle)] == ids[
        :0:-1
    ]
    assert [e["object_id"] for e in await all_events(client, date_updated__gt=middle)] == [ids[2]]
    assert [e["object_id"] for e in await all_events(client, date_updated__lt=middle)] == [ids[0]]
    assert [e["object_id"] for e in await all_events(client, date_updated__lte=middle)] == ids[
        1::-1
    ]


REFUSED: list[dict[str, str]] = [
    {"object_type": "activity.call"},
    {"action": "created"},
    {"object_id": "acti_x", "request_id": "req_x"},
    {"_limit": "51"},
    {"_limit": "0"},
    {"_skip": "10"},
    {"_cursor": "not-a-cursor"},
    # Unparseable cursors, each near a valid one: garbage after it, a trailing newline, the
    # padding this server never writes, digits of another script.
    {"_cursor": "b2xkZXI6MTcwMDAwMDAwMDAwMDAwMDo1!!"},
    {"_cursor": "b2xkZXI6MTcwMDAwMDAwMDAwMDAwMDo1Cg"},
    {"_cursor": "b2xkZXI6MTc6NQ="},
    {"_cursor": "b2xkZXI62aE6NQ"},
    {"_limit": "\u0665"},
    {"_limit": "\uff15"},
    {"date_updated__gte": "yesterday"},
]


async def test_unsupported_queries_are_refused(client: httpx.AsyncClient) -> None:
    for params in REFUSED:
        response = await client.get(EVENTS, params=params)
        assert response.status_code == 400, (params, response.text)
        body = response.json()
        assert body["error"] and set(body) == {"error", "errors", "field-errors"}


async def test_events_stay_in_their_organization(
    app: App, client: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    call = (await client.post(CALLS, json={})).json()
    [event] = await all_events(client)
    async with client_for(app, other_tenant.api_key) as other:
        assert await all_events(other) == []
        assert (await other.get(f"{EVENTS}{event['id']}/")).status_code == 404
        assert await all_events(other, object_type="activity.call", object_id=call["id"]) == []


async def test_event_log_needs_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get(EVENTS, auth=("api_wrong.key", ""))
    assert response.status_code == 401


async def test_an_operator_may_turn_the_event_log_off(
    settings: Settings, clock: ManualClock
) -> None:
    quiet = build_app(replace(settings, record_events=False), clock=clock)
    await quiet.startup()
    try:
        services = quiet.services
        tenant = await accounts.create_organization(
            services.store, name="Quiet", clock=clock, ids=services.ids
        )
        async with client_for(quiet, tenant.api_key) as http:
            call = (await http.post(CALLS, json={})).json()
            assert (
                await http.put(f"{CALLS}{call['id']}/", json={"duration": 3})
            ).status_code == 200
            await create_lead(http, contacts=[{"name": "Al"}])
            assert (await http.delete(f"{CALLS}{call['id']}/")).status_code == 200
            assert await all_events(http) == []
    finally:
        await quiet.shutdown()
