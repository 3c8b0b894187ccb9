"""POST/GET/PUT/DELETE /api/v1/activity/note/: the calls' rich-text rules, titles, pins, files."""

from __future__ import annotations

from typing import Any

import httpx

from closecalls.domain.notes import derive_note_html
from tests.factories import create_contact, create_lead

NOTES = "/api/v1/activity/note/"
FILE = {"url": "https://app.close.com/go/file/abc", "filename": "a.pdf"}


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(NOTES, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_note_follows_the_calls_rich_text_rules(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    note = await create(client, lead_id=lead["id"], note="line one\nline <two>")
    assert note["_type"] == "Note"
    assert note["note_html"] == derive_note_html("line one\nline <two>")
    call = (
        await client.post(
            "/api/v1/activity/call/", json={"lead_id": lead["id"], "note": "line one\nline <two>"}
        )
    ).json()
    assert (note["note"], note["note_html"]) == (call["note"], call["note_html"])
    html = await create(client, lead_id=lead["id"], note="ignored", note_html="<p>a</p><p>b</p>")
    assert (html["note"], html["note_html"]) == ("a\n\nb", "<p>a</p><p>b</p>")


async def test_a_note_needs_its_lead(client: httpx.AsyncClient) -> None:
    response = await client.post(NOTES, json={"note": "x", "pinned": "yes"})
    assert response.status_code == 400
    assert response.json()["field-errors"] == {
        "lead_id": "This field is required.", "pinned": "Value must be of bool type.",
    }  # fmt: skip


async def test_attachments_come_from_closes_files_api(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    refused = await client.post(NOTES, json={
        "lead_id": lead["id"], "attachments": [{**FILE, "url": "https://example.com/a.pdf"}],
    })  # fmt: skip
    assert refused.json()["field-errors"] == {
        "attachments": "Item 0: url: The URL must begin https://app.close.com/go/file/"
    }
    note = await create(client, lead_id=lead["id"], attachments=[FILE])
    assert note["attachments"] == [{**FILE, "content_type": None, "size": None}]


async def test_update_pins_retitles_and_rewrites(client: httpx.AsyncClient) -> None:
    lead = await create_lead(client)
    contact = await create_contact(client, lead["id"])
    note = await create(client, lead_id=lead["id"], note="first")
    assert (note["pinned"], note["pinned_at"], note["title"]) == (False, None, None)
    path = f"{NOTES}{note['id']}/"
    pinned = (await client.put(path, json={"pinned": True, "title": "Call summary",
                                           "note_html": "<b>second</b>",
                                           "contact_id": contact["id"]})).json()  # fmt: skip
    assert pinned["pinned"] is True and pinned["pinned_at"] == pinned["date_updated"]
    assert (pinned["title"], pinned["note"], pinned["contact_id"]) == (
        "Call summary",
        "second",
        contact["id"],
    )
    unpinned = (await client.put(path, json={"pinned": False})).json()
    assert (unpinned["pinned"], unpinned["pinned_at"], unpinned["note"]) == (False, None, "second")
    assert (await client.delete(path)).json() == {}
    assert (await client.get(path)).status_code == 404
