"""GET/PUT/DELETE /api/v1/activity/meeting/: no plain create, transcripts only with `_fields`."""

from __future__ import annotations

import httpx

from closecalls.accounts import Tenant
from closecalls.app import App
from tests.factories import create_lead, create_meeting, create_outcome

MEETINGS = "/api/v1/activity/meeting/"
TRANSCRIPT = {"utterances": [{"speaker_label": "Ann", "speaker_side": "contact", "start": 0.1,
                              "end": 1.2, "text": "Hi"}],
              "summary_text": "Said hi", "summary_html": "<p>Said hi</p>"}  # fmt: skip


async def test_meetings_are_read_and_noted_not_created(
    app: App, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    lead = await create_lead(client)
    made = await create_meeting(
        app,
        tenant,
        lead["id"],
        title="Demo",
        transcripts=[TRANSCRIPT],
        starts_at="2026-01-09T10:00:00Z",
        ends_at="2026-01-09T10:30:00Z",
    )
    path = f"{MEETINGS}{made['id']}/"
    meeting = (await client.get(path)).json()
    assert "transcripts" not in meeting
    assert (meeting["_type"], meeting["title"], meeting["duration"]) == ("Meeting", "Demo", 1800)
    assert meeting["activity_at"] == meeting["starts_at"]
    with_transcripts = (await client.get(path, params={"_fields": "id,transcripts"})).json()
    assert with_transcripts == {"id": made["id"], "transcripts": [TRANSCRIPT]}
    listed = (await client.get(MEETINGS)).json()["data"]
    assert listed == [meeting]
    assert (await client.post(MEETINGS, json={"lead_id": lead["id"]})).status_code == 405

    outcome = await create_outcome(client)
    noted = await client.put(path, json={"user_note_html": "<p>Went <b>well</b></p>",
                                         "outcome_id": outcome["id"]})  # fmt: skip
    assert noted.status_code == 200, noted.text
    assert (noted.json()["user_note"], noted.json()["outcome_id"]) == ("Went well", outcome["id"])
    assert "transcripts" not in noted.json()
    refused = await client.put(path, json={"outcome_id": "outcome_nope"})
    assert refused.json()["field-errors"] == {"outcome_id": "Object does not exist."}
    assert (await client.delete(path)).json() == {}
    assert (await client.get(path)).status_code == 404
