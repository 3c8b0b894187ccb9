"""Each activity type through a real server: create, list, event, webhook, delete."""

from __future__ import annotations

from pathlib import Path

from tests.support import LiveServer
from tests.webhook_receiver import webhook_receiver

KEY = "api_activitytypesactivity.activitytypesactivity"
FAST = {
    "CLOSECALLS_WEBHOOK_ALLOW_PRIVATE": "true",
    "CLOSECALLS_WEBHOOK_RETRY_BASE_SECONDS": "0.1",
    "CLOSECALLS_WEBHOOK_POLL_SECONDS": "0.05",
}
SEED = """
leads:
  - $name: acme
    name: Acme
meetings:
  - $name: demo
    lead_id: {$ref: acme}
    title: Demo
    transcripts: [{summary_text: "They want it"}]
"""
TYPES = ("sms", "note", "meeting")


def test_each_type_lives_through_real_http(database_url: str, tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    server = LiveServer(database_url, KEY, tmp_path, environment=FAST,
                        arguments=("--seed", str(seed)))  # fmt: skip
    with webhook_receiver() as receiver:
        server.start()
        try:
            with server.client() as http:
                events = [
                    {"object_type": f"activity.{kind}", "action": action}
                    for kind in TYPES
                    for action in ("created", "updated", "deleted")
                ]
                subscription = http.post("/api/v1/webhook/", json={
                    "url": receiver.url, "events": events,
                }).json()  # fmt: skip
                receiver.keys[subscription["id"]] = subscription["signature_key"]
                [meeting] = http.get("/api/v1/activity/meeting/").json()["data"]
                lead_id = meeting["lead_id"]
                sms = http.post("/api/v1/activity/sms/", json={
                    "lead_id": lead_id, "status": "inbox", "text": "Call me",
                    "remote_phone": "+16505551234",
                }).json()  # fmt: skip
                note = http.post("/api/v1/activity/note/", json={
                    "lead_id": lead_id, "note": "Summary of the call",
                }).json()  # fmt: skip
                made = {"sms": sms, "note": note, "meeting": meeting}
                updated = http.put(f"/api/v1/activity/meeting/{meeting['id']}/",
                                   json={"user_note_html": "<p>Booked</p>"})  # fmt: skip
                assert updated.status_code == 200, updated.text
                for kind, activity in made.items():
                    listed = http.get(f"/api/v1/activity/{kind}/").json()["data"]
                    assert [item["id"] for item in listed] == [activity["id"]]
                timeline = http.get("/api/v1/activity/", params={"lead_id": lead_id}).json()
                assert {item["_type"] for item in timeline["data"]} == {"SMS", "Note", "Meeting"}
                for kind, activity in made.items():
                    log = http.get("/api/v1/event/", params={
                        "object_type": f"activity.{kind}", "object_id": activity["id"],
                    }).json()["data"]  # fmt: skip
                    assert "created" in {event["action"] for event in log}
                assert http.delete(f"/api/v1/activity/sms/{sms['id']}/").json() == {}
                assert http.delete(f"/api/v1/activity/{note['id']}/").json() == {}
                assert http.delete(f"/api/v1/activity/meeting/{meeting['id']}/").json() == {}
                assert http.get("/api/v1/activity/").json() == {"data": [], "has_more": False}

            def seen(kind: str, action: str) -> bool:
                return any(
                    (d.body["event"]["object_type"], d.body["event"]["action"])
                    == (f"activity.{kind}", action)
                    for d in receiver.deliveries
                )

            wanted = [("sms", "created"), ("note", "created"), ("meeting", "updated"),
                      *((kind, "deleted") for kind in TYPES)]  # fmt: skip
            receiver.wait_for(lambda _: all(seen(*pair) for pair in wanted))
        finally:
            server.stop()
    assert all(delivery.signature_valid for delivery in receiver.deliveries)
    # Deliveries may arrive in any order (a retried one comes after a later event's).
    created = next(d.body["event"] for d in receiver.deliveries
                   if (d.body["event"]["object_type"], d.body["event"]["action"])
                   == ("activity.sms", "created"))  # fmt: skip
    assert created["data"]["text"] == "Call me" and created["lead_id"] == lead_id
