"""GET /api/v1/activity/: calls among all activities, with Close's combination rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from tests.factories import create_contact, create_lead, create_leads, create_meeting

ACTIVITIES = "/api/v1/activity/"


async def create_calls(
    client: httpx.AsyncClient, bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    responses = await asyncio.gather(
        *(client.post("/api/v1/activity/call/", json=b) for b in bodies)
    )
    return [response.json() for response in responses]


async def ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(ACTIVITIES, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_calls_appear_with_the_same_shape(client: httpx.AsyncClient) -> None:
    lead_id = (await create_lead(client))["id"]
    [call] = await create_calls(client, [{"note": "hello", "lead_id": lead_id}])
    page = (await client.get(ACTIVITIES)).json()
    assert page == {"data": [call], "has_more": False}
    assert page["data"][0]["_type"] == "Call"


async def test_org_wide_date_windows_page_like_tap_closeio(client: httpx.AsyncClient) -> None:
    calls = await create_calls(
        client, [{"date_created": f"2026-02-{day:02d}T10:00:00Z"} for day in range(1, 11)]
    )
    newer = await ids(client, date_created__gt="2026-02-05T10:00:00", _limit=3, _skip=0)
    rest = await ids(client, date_created__gt="2026-02-05T10:00:00", _limit=3, _skip=3)
    assert len(newer) == 3 and len(rest) == 2
    expected = {call["id"] for call in calls if call["date_created"][:10] > "2026-02-05"}
    assert set(newer + rest) == expected


async def test_lead_filters_accept_lists(client: httpx.AsyncClient) -> None:
    a, b, c = await create_leads(client, 3)
    calls = await create_calls(client, [{"lead_id": a}, {"lead_id": b}, {"lead_id": c}])
    assert set(await ids(client, lead_id__in=f"{a},{b}")) == {calls[0]["id"], calls[1]["id"]}
    assert set(await ids(client, lead_id=c)) == {calls[2]["id"]}


async def test_one_lead_allows_user_contact_and_type_filters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    lead = (await create_lead(client))["id"]
    contact = (await create_contact(client, lead))["id"]
    calls = await create_calls(
        client, [{"lead_id": lead, "contact_id": contact}, {"lead_id": lead}]
    )
    assert await ids(client, lead_id=lead, contact_id=contact) == [calls[0]["id"]]
    assert len(await ids(client, lead_id=lead, user_id__in=tenant.user.id)) == 2
    assert len(await ids(client, lead_id=lead, _type__in="Call,Email")) == 2
    assert await ids(client, lead_id=lead, _type="Note") == []
    assert len(await ids(client, lead_id=lead, _order_by="-activity_at")) == 2
    newest = await ids(client, lead_id=lead, _order_by="-activity_at", activity_at__gt="2000-01-01")
    assert len(newest) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"user_id": "user_1"},
        {"contact_id__in": "cont_1"},
        {"_type": "Call"},
        {"lead_id__in": "lead_a,lead_b", "user_id": "user_1"},
        {"_order_by": "-activity_at"},
        {"activity_at__gt": "2026-01-01"},
        {"lead_id": "lead_a", "_order_by": "-activity_at", "date_created__gt": "2026-01-01"},
    ],
)
async def test_combinations_close_refuses(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get(ACTIVITIES, params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] and all(isinstance(message, str) for message in body["errors"])


async def test_other_organizations_activities_are_invisible(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    theirs = (await create_lead(other_client))["id"]
    await create_calls(other_client, [{"lead_id": theirs}])
    assert await ids(client) == []
    assert await ids(client, lead_id=theirs) == []


async def test_every_type_shares_one_timeline(
    app: App, tenant: Tenant, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    lead_id = (await create_lead(client))["id"]
    made = []
    for path, body in (
        ("call/", {"lead_id": lead_id}),
        ("sms/", {"lead_id": lead_id, "status": "sent", "text": "hi"}),
        ("note/", {"lead_id": lead_id, "note": "hi"}),
    ):
        clock.advance(timedelta(seconds=1))
        made.append((await client.post(ACTIVITIES + path, json=body)).json())
    clock.advance(timedelta(seconds=1))
    made.append(await create_meeting(app, tenant, lead_id, transcripts=[{"summary_text": "x"}]))
    newest_first = [item["id"] for item in reversed(made)]
    assert await ids(client) == newest_first
    assert await ids(client, _limit=2, _skip=2) == newest_first[2:]
    assert await ids(client, _order_by="date_created") == newest_first[::-1]
    page = (await client.get(ACTIVITIES)).json()["data"]
    assert [item["_type"] for item in page] == ["Meeting", "Note", "SMS", "Call"]
    assert "transcripts" not in page[0]
    assert page[1:] == list(reversed(made[:3]))
    assert await ids(client, lead_id=lead_id, _type="SMS") == [made[1]["id"]]
    assert await ids(client, lead_id=lead_id, _type__in="Note,Call") == [
        made[2]["id"], made[0]["id"]
    ]  # fmt: skip
    projected = (await client.get(ACTIVITIES, params={"_fields": "_type,transcripts"})).json()
    assert projected["data"][0] == {"_type": "Meeting", "transcripts": [{"summary_text": "x"}]}
    assert projected["data"][1] == {"_type": "Note"}


async def test_delete_any_activity_by_id(
    app: App, tenant: Tenant, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    lead_id = (await create_lead(client))["id"]
    call = (await client.post(ACTIVITIES + "call/", json={})).json()
    sms = (await client.post(ACTIVITIES + "sms/", json={"status": "inbox", "text": "x"})).json()
    meeting = await create_meeting(app, tenant, lead_id)
    for activity in (call, sms, meeting):
        path = f"{ACTIVITIES}{activity['id']}/"
        assert (await other_client.delete(path)).status_code == 404
        assert (await client.delete(path)).json() == {}
        assert (await client.delete(path)).status_code == 404
    assert await ids(client) == []
    found = {"object_type": "activity.sms", "object_id": sms["id"]}
    deleted = (await client.get("/api/v1/event/", params=found)).json()
    assert [(e["object_type"], e["action"]) for e in deleted["data"]] == [
        ("activity.sms", "deleted"), ("activity.sms", "created"),
    ]  # fmt: skip
