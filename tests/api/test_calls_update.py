"""PUT and DELETE /api/v1/activity/call/{id}/."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from closecalls import accounts
from closecalls.accounts import Tenant
from closecalls.app import App
from closecalls.domain.clock import ManualClock
from tests.conftest import client_for
from tests.factories import create_lead, create_outcome, create_user

CALLS = "/api/v1/activity/call/"


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(CALLS, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def put(client: httpx.AsyncClient, call_id: str, **body: Any) -> httpx.Response:
    return await client.put(f"{CALLS}{call_id}/", json=body)


async def test_put_changes_only_the_fields_sent(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    lead = await create_lead(client)
    outcome = await create_outcome(client)
    call = await create(client, direction="inbound", duration=10, note="first", lead_id=lead["id"])
    clock.advance(timedelta(minutes=5))
    response = await put(client, call["id"], duration=42, outcome_id=outcome["id"])
    assert response.status_code == 200
    updated = response.json()
    changed = {key for key in call if call[key] != updated[key]}
    assert changed == {"duration", "outcome_id", "date_updated"}
    assert updated["date_updated"] == "2026-01-09T14:40:08.272000+00:00"
    assert (await client.get(f"{CALLS}{call['id']}/")).json() == updated


async def test_updated_by_is_whoever_changed_it(
    app: App, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rep = await create_user(app, tenant)
    rep_key = await accounts.create_api_key(app.services.store, user=rep, clock=app.services.clock)
    call = await create(client)
    async with client_for(app, rep_key) as rep_client:
        updated = (await put(rep_client, call["id"], status="busy")).json()
    assert (updated["updated_by"], updated["updated_by_name"]) == (rep.id, "Rita Rep")
    assert (updated["created_by"], updated["user_id"]) == (tenant.user.id, tenant.user.id)


async def test_put_validates_like_create_and_a_rejected_put_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    call = await create(client, duration=10)
    response = await put(
        client, call["id"], duration=604801, direction="up", note="never", user_id="user_nobody"
    )
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "duration": "The value must not be larger than 604800.",
        "direction": "Not a valid choice.",
        "user_id": "Object does not exist.",
    }
    assert (await client.get(f"{CALLS}{call['id']}/")).json() == call


@pytest.mark.parametrize(
    ("body", "note", "note_html"),
    [
        ({"note": "a\nb"}, "a\nb", "<body>a<br />b</body>"),
        ({"note_html": "<body><p>rich</p></body>"}, "rich", "<body><p>rich</p></body>"),
        ({"note": "x", "note_html": "<body>wins</body>"}, "wins", "<body>wins</body>"),
        ({"note_html": None}, None, None),
    ],
)
async def test_notes_on_update(
    client: httpx.AsyncClient, body: dict[str, Any], note: Any, note_html: Any
) -> None:
    call = await create(client, note="original")
    updated = (await put(client, call["id"], **body)).json()
    assert (updated["note"], updated["note_html"]) == (note, note_html)


async def test_fixed_keys_are_ignored_on_update(client: httpx.AsyncClient) -> None:
    call = await create(client)
    body = {"source": "Close.io", "date_created": "2001-01-01", "organization_id": "orga_x",
            "created_by_id": "user_x"}  # fmt: skip
    updated = (await put(client, call["id"], **body)).json()
    for key in ("source", "date_created", "organization_id", "created_by"):
        assert updated[key] == call[key]


async def test_closes_own_calls_refuse_status_duration_direction(
    client: httpx.AsyncClient,
) -> None:
    call = await create(client, source="Close.io", status="completed", duration=5,
                        direction="outbound")  # fmt: skip
    response = await put(client, call["id"], status="busy", duration=6, direction="inbound")
    assert response.status_code == 400
    assert set(response.json()["field-errors"]) == {"status", "duration", "direction"}
    assert (await client.get(f"{CALLS}{call['id']}/")).json() == call
    same = await put(client, call["id"], status="completed", note="fine")
    assert same.status_code == 200
    assert same.json()["note"] == "fine"


async def test_external_calls_allow_status_duration_direction(client: httpx.AsyncClient) -> None:
    call = await create(client, status="in-progress", duration=0, direction="outbound")
    updated = (await put(client, call["id"], status="completed", duration=99,
                         direction="inbound")).json()  # fmt: skip
    assert (updated["status"], updated["duration"], updated["direction"]) == (
        "completed", 99, "inbound",
    )  # fmt: skip


async def test_put_moves_derived_fields(client: httpx.AsyncClient) -> None:
    call = await create(client)
    updated = (
        await put(client, call["id"], phone="+447496394234",
                  recording_url="https://r.example.com/a.mp3", activity_at="2026-01-01T00:00:00Z")
    ).json()  # fmt: skip
    assert updated["remote_phone_formatted"] == "+44 7496 394234"
    assert updated["has_recording"] is True
    assert updated["activity_at"] == "2026-01-01T00:00:00.000000+00:00"
    cleared = (await put(client, call["id"], recording_url=None, activity_at=None)).json()
    assert cleared["has_recording"] is False
    assert cleared["activity_at"] == call["date_created"]


async def test_concurrent_puts_do_not_lose_each_others_changes(client: httpx.AsyncClient) -> None:
    call = await create(client)
    outcome, lead = await create_outcome(client), await create_lead(client)
    fields = {
        "duration": 7, "outcome_id": outcome["id"], "disposition": "busy", "note": "n",
        "quality_info": "q", "lead_id": lead["id"], "playbook_id": "p", "status": "failed",
    }  # fmt: skip
    responses = await asyncio.gather(
        *(put(client, call["id"], **{key: value}) for key, value in fields.items())
    )
    assert all(response.status_code == 200 for response in responses)
    final = (await client.get(f"{CALLS}{call['id']}/")).json()
    for key, value in fields.items():
        assert final[key] == value, key


async def test_delete_answers_empty_object_then_everything_is_404(
    client: httpx.AsyncClient,
) -> None:
    call = await create(client)
    response = await client.delete(f"{CALLS}{call['id']}/")
    assert (response.status_code, response.json()) == (200, {})
    url = f"{CALLS}{call['id']}/"
    assert (await client.get(url)).status_code == 404
    assert (await put(client, call["id"], duration=1)).status_code == 404
    assert (await client.delete(url)).status_code == 404
    assert (await client.get(CALLS)).json()["data"] == []


async def test_another_organization_cannot_change_or_delete(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    call = await create(client, duration=3)
    assert (await put(other_client, call["id"], duration=4)).status_code == 404
    assert (await other_client.delete(f"{CALLS}{call['id']}/")).status_code == 404
    assert (await client.get(f"{CALLS}{call['id']}/")).json() == call
