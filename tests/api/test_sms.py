"""POST/GET/PUT/DELETE /api/v1/activity/sms/: statuses, phones, attachments, Close's refusals."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import create_contact, create_lead

SMS = "/api/v1/activity/sms/"
PNG = {"url": "https://example.com/a.png", "filename": "a.png", "content_type": "image/png"}


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(SMS, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_logged_sms_is_shaped_like_closes(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    sms = await create(client, contact_id=contact["id"], remote_phone="+447946666666",
                       status="sent", text="this is the message body")  # fmt: skip
    assert sms["_type"] == "SMS" and sms["id"].startswith("acti_")
    assert sms["lead_id"] == lead["id"]  # a contact brings its lead, as on calls
    assert (sms["source"], sms["direction"], sms["status"]) == ("External", "outbound", "sent")
    assert sms["remote_phone_formatted"] == "+44 7946 666666"
    assert sms["remote_country_iso"] == "GB"
    assert sms["local_phone"] is None and sms["date_scheduled"] is None
    assert sms["date_sent"] == sms["date_created"]
    assert (await client.get(f"{SMS}{sms['id']}/")).json() == sms


async def test_an_inbox_sms_is_inbound(client: httpx.AsyncClient) -> None:
    sms = await create(client, status="inbox", text="hi", remote_phone="650 555 1234")
    assert sms["direction"] == "inbound"
    assert sms["remote_phone"] == "+16505551234"


async def test_every_bad_field_is_named_at_once(client: httpx.AsyncClient) -> None:
    response = await client.post(SMS, json={
        "text": 5, "remote_phone": "not a phone", "direction": "sideways",
        "attachments": [{"url": "https://example.com/x", "filename": "x", "content_type": "x/y"}],
        "lead_id": "lead_nope", "template_id": "smstpl_x",
    })  # fmt: skip
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "status": "This field is required.",
        "text": "Value must be of str type.",
        "remote_phone": "Invalid phone number.",
        "direction": "Not a valid choice.",
        "attachments": "Item 0: content_type: Not a valid choice.",
        "lead_id": "Object does not exist.",
        "template_id": "SMS templates are not supported; send the text instead.",
    }
    assert (await client.get(SMS)).json() == {"data": [], "has_more": False}


async def test_scheduling_needs_a_time_and_sending_a_number(client: httpx.AsyncClient) -> None:
    scheduled = await client.post(SMS, json={"status": "scheduled", "text": "later"})
    assert scheduled.json()["field-errors"] == {"date_scheduled": "This field is required."}
    outbox = await client.post(SMS, json={"status": "outbox", "text": "now"})
    assert outbox.json()["field-errors"] == {"local_phone": "This field is required."}
    sent = await create(client, status="outbox", text="now", local_phone="+16505550000",
                        remote_phone="+16505551234", attachments=[PNG])  # fmt: skip
    assert sent["status"] == "sent" and sent["date_sent"] is not None
    assert sent["attachments"] == [{**PNG, "size": None}]


async def test_a_draft_changes_and_moves_on(client: httpx.AsyncClient) -> None:
    draft = await create(client, status="draft", text="draft")
    path = f"{SMS}{draft['id']}/"
    changed = await client.put(path, json={"text": "final", "remote_phone": "+16505551234"})
    assert changed.json()["text"] == "final"
    scheduled = await client.put(
        path, json={"status": "scheduled", "date_scheduled": "2026-02-01T09:00:00Z"}
    )
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["date_scheduled"] == "2026-02-01T09:00:00.000000+00:00"
    refused = await client.put(path, json={"text": "again"})
    assert refused.json()["field-errors"] == {"text": "Only a draft SMS can be changed."}
    back = await client.put(path, json={"status": "draft", "text": "again"})
    assert (back.json()["status"], back.json()["text"]) == ("draft", "again")


async def test_what_was_sent_stays_as_it_was(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    sent = await create(client, status="sent", text="said", remote_phone="+16505551234")
    path = f"{SMS}{sent['id']}/"
    refused = await client.put(path, json={"text": "unsaid", "status": "draft"})
    assert refused.status_code == 400
    assert refused.json()["field-errors"] == {"status": "An SMS cannot move from sent to draft."}
    refused = await client.put(path, json={"text": "unsaid", "remote_phone": "+16505550000"})
    assert set(refused.json()["field-errors"]) == {"text", "remote_phone"}
    assert (await client.get(path)).json() == sent
    # Filing it under a lead is not changing what it said.
    moved = await client.put(path, json={"lead_id": lead["id"], "text": "said"})
    assert moved.status_code == 200 and moved.json()["lead_id"] == lead["id"]


async def test_delete_then_gone(client: httpx.AsyncClient) -> None:
    sms = await create(client, status="sent", text="x")
    assert (await client.delete(f"{SMS}{sms['id']}/")).json() == {}
    missing = await client.get(f"{SMS}{sms['id']}/")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Empty query: SMS matching query does not exist."


async def test_the_list_holds_only_sms_with_calls_filters(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    await client.post("/api/v1/activity/call/", json={"lead_id": lead["id"]})
    mine = await create(client, status="sent", text="a", lead_id=lead["id"])
    await create(client, status="sent", text="b")
    page = (await client.get(SMS, params={"lead_id": lead["id"]})).json()
    assert [item["id"] for item in page["data"]] == [mine["id"]]
    assert (await client.get(SMS, params={"_type": "Call"})).json()["data"] == []
    fields = (await client.get(SMS, params={"_fields": "id,text", "_limit": 1})).json()
    assert fields["data"][0].keys() == {"id", "text"} and fields["has_more"] is True


async def test_an_idempotency_key_creates_once(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "sms-1"}
    first = await client.post(SMS, json={"status": "sent", "text": "once"}, headers=headers)
    again = await client.post(SMS, json={"status": "sent", "text": "once"}, headers=headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len((await client.get(SMS)).json()["data"]) == 1
