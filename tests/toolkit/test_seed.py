"""Seed data in YAML or JSON, through the same checks as the API, on both backends."""

from __future__ import annotations

import httpx

from tests.toolkit.conftest import Org

YAML_SEED = b"""
users:
  - {$name: rita, first_name: Rita, last_name: Rep, email: rita@example.com}
outcomes:
  - {$name: booked, name: Demo booked}
leads:
  - $name: acme
    name: Acme
    contacts:
      - {$name: ann, name: Ann, phones: [{phone: "+16505551234"}]}
contacts:
  - {$name: bob, lead_id: {$ref: acme}, name: Bob}
calls:
  - {contact_id: {$ref: ann}, user_id: {$ref: rita}, outcome_id: {$ref: booked},
     direction: outbound, duration: 42, note: Intro}
  - {contact_id: {$ref: bob}, note: Follow-up}
"""


async def test_yaml_seed_with_names_and_references(admin: httpx.AsyncClient, org: Org) -> None:
    loaded = await admin.post(
        org.path + "seed/", content=YAML_SEED, headers={"content-type": "application/yaml"}
    )
    assert loaded.status_code == 201, loaded.text
    result = loaded.json()
    names = result["names"]
    assert set(names) == {"rita", "booked", "acme", "ann", "bob"}
    assert {section: len(ids) for section, ids in result["created"].items()} == {
        "users": 1, "outcomes": 1, "leads": 1, "contacts": 2, "calls": 2,
    }  # fmt: skip
    calls = (await org.http.get("/activity/call/", params={"_order_by": "date_created"})).json()
    intro = next(call for call in calls["data"] if call["note"] == "Intro")
    assert intro["lead_id"] == names["acme"]
    assert intro["contact_id"] == names["ann"]
    assert intro["user_id"] == names["rita"]
    assert intro["outcome_id"] == names["booked"]
    assert intro["duration"] == 42
    contacts = (await org.http.get("/contact/", params={"lead_id": names["acme"]})).json()
    assert {contact["name"] for contact in contacts["data"]} == {"Ann", "Bob"}


async def test_json_seed(admin: httpx.AsyncClient, org: Org) -> None:
    loaded = await admin.post(org.path + "seed/", json={"leads": [{"name": "Globex"}]})
    assert loaded.status_code == 201
    leads = (await org.http.get("/lead/")).json()["data"]
    assert [lead["name"] for lead in leads] == ["Globex"]


async def test_bad_seeds_are_refused_with_where(admin: httpx.AsyncClient, org: Org) -> None:
    cases = [
        ({"planets": []}, "Unknown seed sections: planets."),
        ({"leads": "Acme"}, "leads must be a list of objects."),
        ({"calls": [{"lead_id": {"$ref": "nobody"}}]}, "calls[0]: no earlier item is named"),
        ({"calls": [{"duration": "long"}]}, "calls[0]: duration"),
        ({"users": [{"last_name": "X"}]}, "users[0]: a user needs first_name"),
    ]
    for seed, message in cases:
        refused = await admin.post(org.path + "seed/", json=seed)
        assert refused.status_code == 400, seed
        assert message in refused.json()["error"], refused.json()
    bad_yaml = await admin.post(
        org.path + "seed/", content=b"leads: [", headers={"content-type": "text/yaml"}
    )
    assert bad_yaml.status_code == 400
    assert (await org.http.get("/activity/call/")).json()["data"] == []
