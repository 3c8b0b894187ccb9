"""A demo organization for the web UI: leads, calls, SMS, notes, a task, recordings, a webhook."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

# A note that must show as text: if it ever ran, it would set window.pwned.
HOSTILE_NOTE = (
    "<body><p>Asked for a callback.</p>"
    "<script>window.pwned = true</script>"
    '<img src="x" onerror="window.pwned = true"></body>'
)
LEADS = [("Acme Corp", "Ada Lovelace"), ("Globex", "Grace Hopper"), ("Initech", "Linus Pauling")]
DISPOSITIONS = ["answered", "answered", "no-answer", "vm-left", "busy"]


@dataclass
class Demo:
    """What was made, for tests to find their way around."""

    leads: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    # Activities of other types, on the Initech lead's timeline.
    others: list[dict[str, Any]] = field(default_factory=list)
    hostile_call: str = ""
    webhook: str = ""


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json()


def seed_demo(client: httpx.Client, *, now: datetime | None = None, calls: int = 36) -> Demo:
    """Fill an organization through its API; the same data every time for the same `now`."""
    now = now or datetime.now(UTC)
    rng = random.Random(11)
    demo = Demo()
    for lead_name, contact_name in LEADS:
        lead = _ok(client.post("lead/", json={"name": lead_name, "contacts": [{
            "name": contact_name, "phones": [{"phone": "+16505551234", "type": "office"}],
        }]}))  # fmt: skip
        demo.leads[lead_name] = lead["id"]
        demo.contacts[lead_name] = lead["contacts"][0]["id"]
    outcomes = [
        _ok(client.post("outcome/", json={"name": name}))["id"]
        for name in ("Interested", "Not now", "Wrong number")
    ]
    demo.webhook = _ok(client.post("webhook/", json={
        "url": "http://127.0.0.1:9/closecalls-demo-hook",
        "events": [{"object_type": "activity.call", "action": "created"}],
    }))["id"]  # fmt: skip
    for index in range(calls):
        lead_name = LEADS[index % len(LEADS)][0]
        when = now - timedelta(days=rng.randrange(14), hours=rng.randrange(9), minutes=index)
        disposition = rng.choice(DISPOSITIONS)
        body: dict[str, Any] = {
            "lead_id": demo.leads[lead_name], "contact_id": demo.contacts[lead_name],
            "direction": rng.choice(["outbound", "outbound", "inbound"]),
            "status": "completed", "disposition": disposition,
            "duration": rng.randrange(20, 900) if disposition == "answered" else 0,
            "activity_at": when.isoformat(), "date_created": when.isoformat(),
            "phone": "+16505551234", "outcome_id": rng.choice([*outcomes, None]),
            "note": f"Call {index + 1} with {lead_name}.",
        }  # fmt: skip
        if disposition == "answered":
            body["recording_url"] = f"https://recordings.example.com/{index}.mp3"
        if disposition == "vm-left":
            body["voicemail_url"] = f"https://recordings.example.com/vm-{index}.mp3"
        demo.calls.append(_ok(client.post("activity/call/", json=body)))
    hostile = _ok(client.post("activity/call/", json={
        "lead_id": demo.leads["Acme Corp"], "contact_id": demo.contacts["Acme Corp"],
        "direction": "inbound", "status": "completed", "disposition": "answered",
        "duration": 125, "note_html": HOSTILE_NOTE,
        "recording_url": "https://recordings.example.com/hostile.mp3",
        "voicemail_url": "https://recordings.example.com/hostile-vm.mp3",
    }))  # fmt: skip
    _ok(client.put(f"activity/call/{hostile['id']}/", json={"duration": 185}))
    demo.hostile_call = hostile["id"]
    demo.calls.append(hostile)
    _other_activities(client, demo, now)
    return demo


def _other_activities(client: httpx.Client, demo: Demo, now: datetime) -> None:
    """An SMS each way, a note and a completed follow-up task on the Initech lead."""
    lead_id, contact_id = demo.leads["Initech"], demo.contacts["Initech"]
    for status, text in (("inbox", "Can you call me back?"), ("sent", "Calling you at 3pm.")):
        demo.others.append(_ok(client.post("activity/sms/", json={
            "lead_id": lead_id, "contact_id": contact_id, "status": status, "text": text,
            "remote_phone": "+16505551234", "date_created": (now - timedelta(hours=2)).isoformat(),
        })))  # fmt: skip
    demo.others.append(_ok(client.post("activity/note/", json={
        "lead_id": lead_id, "title": "Call summary", "note": "Wants a demo next week.",
    })))  # fmt: skip
    task = _ok(client.post("task/", json={"lead_id": lead_id, "text": "Send the demo invite"}))
    done = _ok(client.put(f"task/{task['id']}/", json={"is_complete": True}))
    demo.others.append({"id": done["object_id"], "_type": "TaskCompleted"})
