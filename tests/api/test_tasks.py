"""/api/v1/task/: Close's task types, dates, views, completion, bulk updates and filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from tests.factories import create_contact, create_lead, create_user

TASKS = "/api/v1/task/"


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(TASKS, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(TASKS, params=params)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["data"]]


async def test_a_lead_task_is_shaped_like_closes(client: httpx.AsyncClient, tenant: Tenant) -> None:
    lead = await create_lead(client, "Luke Skywalker")
    task = await create(client, lead_id=lead["id"], text="Call back")
    assert task["id"].startswith("task_")
    assert (task["_type"], task["lead_name"], task["text"]) == (
        "lead",
        "Luke Skywalker",
        "Call back",
    )
    assert task["assigned_to"] == tenant.user.id
    assert (task["date"], task["is_dateless"], task["view"]) == ("2026-01-09", True, "inbox")
    assert (task["object_type"], task["object_id"], task["is_complete"]) == (None, None, False)
    assert (await client.get(f"{TASKS}{task['id']}/")).json() == task


async def test_only_lead_and_outgoing_call_tasks_can_be_created(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    call_task = await create(client, lead_id=lead["id"], contact_id=contact["id"],
                             _type="outgoing_call")  # fmt: skip
    assert (call_task["_type"], call_task["contact_name"]) == ("outgoing_call", "Ann")
    refused = await client.post(TASKS, json={"lead_id": lead["id"], "_type": "missed_call"})
    assert refused.json()["field-errors"] == {
        "_type": "Currently only tasks of type lead and outgoing_call can be created."
    }
    missing = await client.post(TASKS, json={"lead_id": "lead_nope", "date": "soon",
                                             "assigned_to": "user_nope"})  # fmt: skip
    assert missing.json()["field-errors"] == {
        "lead_id": "Object does not exist.", "date": "Invalid ISO 8601 datetime.",
        "assigned_to": "Object does not exist.",
    }  # fmt: skip
    # Without `_type` only lead tasks are listed, as Close lists them.
    assert await listed(client) == []
    assert await listed(client, _type="all") == [call_task["id"]]


async def test_complete_records_the_completion_and_reopen_undoes_it(
    client: httpx.AsyncClient,
) -> None:
    lead = await create_lead(client)
    task = await create(client, lead_id=lead["id"], text="Send the quote")
    path = f"{TASKS}{task['id']}/"
    done = (await client.put(path, json={"is_complete": True})).json()
    assert (done["is_complete"], done["view"], done["object_type"]) == (
        True, "archive", "taskcompleted"
    )  # fmt: skip
    timeline = (await client.get("/api/v1/activity/", params={"lead_id": lead["id"]})).json()
    [completed] = timeline["data"]
    assert (completed["_type"], completed["id"]) == ("TaskCompleted", done["object_id"])
    assert (completed["task_id"], completed["task_text"]) == (task["id"], "Send the quote")
    reopened = (await client.put(path, json={"is_complete": False})).json()
    assert (reopened["is_complete"], reopened["view"], reopened["object_id"]) == (
        False, "inbox", None
    )  # fmt: skip
    born_done = await create(client, lead_id=lead["id"], is_complete=True)
    assert born_done["view"] == "archive" and born_done["object_type"] == "taskcompleted"
    events = (await client.get("/api/v1/event/", params={
        "object_type": "task.lead", "object_id": task["id"],
    })).json()["data"]  # fmt: skip
    assert [event["action"] for event in events] == ["updated", "updated", "created"]


async def test_views_dates_and_filters(
    app: App, tenant: Tenant, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    lead, other = await create_lead(client), await create_lead(client, "Other")
    rep = await create_user(app, tenant)
    today = await create(client, lead_id=lead["id"], date="2026-01-09")
    later = await create(client, lead_id=lead["id"], date="2026-01-12T15:00:00+00:00",
                         assigned_to=rep.id)  # fmt: skip
    past = await create(client, lead_id=other["id"], date="2026-01-02", is_complete=True)
    assert later["view"] == "future" and later["date"] == "2026-01-12T15:00:00.000000+00:00"
    assert await listed(client, view="inbox") == [today["id"]]
    assert await listed(client, view="future") == [later["id"]]
    assert await listed(client, view="archive") == [past["id"]]
    assert await listed(client) == [past["id"], today["id"], later["id"]]
    assert await listed(client, _order_by="-date") == [later["id"], today["id"], past["id"]]
    assert await listed(client, lead_id=other["id"]) == [past["id"]]
    assert await listed(client, assigned_to=rep.id) == [later["id"]]
    assert await listed(client, is_complete="false", date__gte="2026-01-10") == [later["id"]]
    assert await listed(client, date="2026-01-09") == [today["id"]]
    assert await listed(client, id__in=f"{today['id']},{past['id']}") == [past["id"], today["id"]]
    # A day later than the future task's, it is in the inbox.
    clock.advance(timedelta(days=4))
    assert (await client.get(f"{TASKS}{later['id']}/")).json()["view"] == "inbox"
    refused = await client.get(TASKS, params={"due_date__gte": "2026-01-01", "view": "soon"})
    assert refused.json()["field-errors"] == {
        "due_date__gte": "This parameter is not supported by this server.",
        "view": "Not a valid choice.",
    }


async def test_bulk_update_and_delete(app: App, tenant: Tenant, client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    rep = await create_user(app, tenant)
    first, second, third = [await create(client, lead_id=lead["id"]) for _ in range(3)]
    response = await client.put(TASKS, params={"id__in": f"{first['id']},{second['id']}"},
                                json={"assigned_to": rep.id, "is_complete": True})  # fmt: skip
    assert response.status_code == 200, response.text
    assert await listed(client, assigned_to=rep.id, view="archive") == [first["id"], second["id"]]
    refused = await client.put(TASKS, params={"id__in": third["id"]}, json={"text": "x"})
    assert refused.status_code == 200  # `text` is not a bulk field: Close ignores it
    assert (await client.get(f"{TASKS}{third['id']}/")).json()["text"] == ""
    assert (await client.delete(f"{TASKS}{third['id']}/")).json() == {}
    assert (await client.get(f"{TASKS}{third['id']}/")).status_code == 404
    assert (await client.delete(f"{TASKS}{third['id']}/")).status_code == 404


async def test_a_deleted_lead_takes_its_tasks_along(client: httpx.AsyncClient) -> None:
    lead, other = await create_lead(client), await create_lead(client, "Other")
    gone = await create(client, lead_id=lead["id"], is_complete=True)
    kept = await create(client, lead_id=other["id"])
    assert (await client.delete(f"/api/v1/lead/{lead['id']}/")).json() == {}
    assert await listed(client, _type="all") == [kept["id"]]
    assert (await client.get(f"{TASKS}{gone['id']}/")).status_code == 404
    events = (await client.get("/api/v1/event/", params={
        "object_type": "task.lead", "object_id": gone["id"],
    })).json()["data"]  # fmt: skip
    assert events[0]["action"] == "deleted" and events[0]["previous_data"]["id"] == gone["id"]
    completion = {"object_type": "activity.taskcompleted", "object_id": gone["object_id"]}
    completed = (await client.get("/api/v1/event/", params=completion)).json()["data"]
    assert [event["action"] for event in completed] == ["deleted", "created"]
