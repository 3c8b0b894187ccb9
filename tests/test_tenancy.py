"""Two organizations with data of every kind: A's key never reaches B's data by any route.

Routes are enumerated from the app, so an endpoint added without a rule here fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from closecalls.accounts import Tenant
from closecalls.app import App
from tests.conftest import client_for
from tests.factories import (
    create_contact,
    create_lead,
    create_meeting,
    create_outcome,
    create_user,
)


@dataclass
class World:
    """One organization's objects, by kind."""

    ids: dict[str, str]

    def all(self) -> set[str]:
        return set(self.ids.values())


async def populate(app: App, tenant: Tenant) -> World:
    rep = await create_user(app, tenant)
    async with client_for(app, tenant.api_key) as http:
        lead = await create_lead(http)
        contact = await create_contact(http, lead["id"], phones=[{"phone": "+16505551234"}])
        outcome = await create_outcome(http)
        call = (
            await http.post("/api/v1/activity/call/", json={
                "contact_id": contact["id"], "outcome_id": outcome["id"], "user_id": rep.id,
            })
        ).json()  # fmt: skip
        sms = (
            await http.post("/api/v1/activity/sms/", json={
                "status": "sent", "text": "hi", "contact_id": contact["id"], "user_id": rep.id,
            })
        ).json()  # fmt: skip
        note = (
            await http.post("/api/v1/activity/note/", json={
                "lead_id": lead["id"], "contact_id": contact["id"], "note": "hi",
            })
        ).json()  # fmt: skip
        meeting = await create_meeting(app, tenant, lead["id"], contact_id=contact["id"])
        task = (
            await http.post("/api/v1/task/", json={
                "lead_id": lead["id"], "contact_id": contact["id"], "assigned_to": rep.id,
            })
        ).json()  # fmt: skip
        webhook = (
            await http.post("/api/v1/webhook/", json={
                "url": "https://example.com/hook",
                "events": [{"object_type": "lead", "action": "merged"}],
            })
        ).json()  # fmt: skip
        event = (await http.get("/api/v1/event/", params={"lead_id": lead["id"]})).json()
        status = (await http.post("/api/v1/status/lead/", json={"label": "Warm"})).json()
        field = (await http.post("/api/v1/custom_field/lead/",
                                 json={"name": "Source", "type": "text"})).json()  # fmt: skip
    return World({
        "webhook": webhook["id"], "event": event["data"][0]["id"],
        "call": call["id"], "sms": sms["id"], "note": note["id"], "meeting": meeting["id"],
        "task": task["id"], "lead": lead["id"], "contact": contact["id"],
        "outcome": outcome["id"], "user": rep.id, "organization": tenant.organization.id,
        "status": status["id"], "custom_field": field["id"],
    })  # fmt: skip


# Path parameters and the kind of id each takes.
PATH_KINDS = {
    "call_id": "call", "lead_id": "lead", "contact_id": "contact", "outcome_id": "outcome",
    "user_id": "user", "organization_id": "organization", "event_id": "event",
    "subscription_id": "webhook", "sms_id": "sms", "note_id": "note", "meeting_id": "meeting",
    "activity_id": "note", "task_id": "task", "status_id": "status", "field_id": "custom_field",
}  # fmt: skip
# Path parameters that name a kind of thing rather than an id, with the value tried.
LITERALS = {"object_type": "lead"}
# Every id filter each collection accepts, with the kind of id it takes.
FILTERS: dict[str, dict[str, str]] = {
    "/api/v1/activity/call/": {"id__in": "call", "lead_id": "lead", "contact_id": "contact",
                               "user_id": "user", "organization_id": "organization"},
    **{f"/api/v1/activity/{kind}/": {"id__in": kind, "lead_id": "lead", "contact_id": "contact",
                                      "user_id": "user", "organization_id": "organization"}
       for kind in ("sms", "note", "meeting")},
    "/api/v1/activity/": {"id__in": "sms", "lead_id": "lead", "lead_id__in": "lead",
                          "contact_id": "contact", "contact_id__in": "contact",
                          "user_id": "user", "user_id__in": "user",
                          "organization_id": "organization"},
    "/api/v1/task/": {"id": "task", "id__in": "task", "lead_id": "lead", "assigned_to": "user",
                      "organization_id": "organization"},
    "/api/v1/contact/": {"lead_id": "lead"},
    "/api/v1/lead/": {},
    "/api/v1/outcome/": {},
    "/api/v1/user/": {},
    "/api/v1/me/": {},
    "/api/v1/event/": {"object_id": "call", "lead_id": "lead", "user_id": "user"},
    "/api/v1/webhook/": {},
    "/api/v1/status/lead/": {},
    "/api/v1/custom_field/{object_type}/": {},
}  # fmt: skip
FILTERS["/api/v1/lead/"] = {"query": "lead"}
# Create bodies that name another organization's objects, each of which must be refused.
FOREIGN_REFERENCES: dict[str, list[dict[str, str]]] = {
    "/api/v1/activity/call/": [{"lead_id": "lead"}, {"contact_id": "contact"},
                               {"user_id": "user"}, {"created_by_id": "user"},
                               {"outcome_id": "outcome"}],
    "/api/v1/activity/sms/": [{"lead_id": "lead"}, {"contact_id": "contact"},
                              {"user_id": "user"}, {"created_by_id": "user"}],
    "/api/v1/activity/note/": [{"lead_id": "lead"}, {"contact_id": "contact"},
                               {"user_id": "user"}, {"created_by_id": "user"}],
    "/api/v1/task/": [{"lead_id": "lead"}, {"contact_id": "contact"}, {"assigned_to": "user"}],
    "/api/v1/contact/": [{"lead_id": "lead"}],
    "/api/v1/lead/": [],
    "/api/v1/outcome/": [],
    "/api/v1/webhook/": [],
    # Consent is given for the caller's organization only.
    "/oauth2/authorize/decision/": [{"organization_id": "organization"}],
    "/api/v1/status/lead/": [],
    "/api/v1/custom_field/{object_type}/": [],
    "/api/v1/data/search/": [],
}  # fmt: skip
# What a create needs besides the foreign reference tried, from the caller's own objects.
OWN_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/activity/sms/": {"status": "sent"}, "/api/v1/activity/note/": {"lead_id": "lead"},
    "/api/v1/task/": {"lead_id": "lead"},
}  # fmt: skip
# A harmless change per kind, to try on the other organization's object.
CHANGES = {"call": {"note": "pwned"}, "sms": {"text": "pwned"}, "note": {"note": "pwned"},
           "meeting": {"user_note_html": "pwned"}, "task": {"text": "pwned"},
           "lead": {"name": "pwned"}, "contact": {"name": "pwned"}, "outcome": {"name": "pwned"},
           "webhook": {"status": "paused"}, "status": {"label": "pwned"},
           "custom_field": {"name": "pwned"}, "organization": {"name": "pwned"}}  # fmt: skip


@pytest.fixture
async def worlds(
    app: App, tenant: Tenant, other_tenant: Tenant
) -> tuple[World, World, dict[str, Any]]:
    mine, theirs = await populate(app, tenant), await populate(app, other_tenant)
    return mine, theirs, await snapshot(app, other_tenant, theirs)


async def snapshot(app: App, tenant: Tenant, world: World) -> dict[str, Any]:
    """Everything B holds, read with B's own key."""
    paths = {
        "call": f"/api/v1/activity/call/{world.ids['call']}/",
        **{
            kind: f"/api/v1/activity/{kind}/{world.ids[kind]}/"
            for kind in ("sms", "note", "meeting")
        },
        "timeline": "/api/v1/activity/",
        "task": f"/api/v1/task/{world.ids['task']}/",
        "tasks": "/api/v1/task/?_type=all",
        "lead": f"/api/v1/lead/{world.ids['lead']}/",
        "contact": f"/api/v1/contact/{world.ids['contact']}/",
        "outcome": f"/api/v1/outcome/{world.ids['outcome']}/",
        "users": "/api/v1/user/",
        "calls": "/api/v1/activity/call/",
        "webhook": f"/api/v1/webhook/{world.ids['webhook']}/",
        "events": "/api/v1/event/",
    }
    async with client_for(app, tenant.api_key) as http:
        return {name: (await http.get(path)).json() for name, path in paths.items()}


def assert_no_leak(response: httpx.Response, theirs: World) -> None:
    for foreign in theirs.all():
        assert foreign not in response.text, (response.request.method, response.request.url)


async def test_every_route_keeps_organizations_apart(
    app: App, tenant: Tenant, other_tenant: Tenant, worlds: tuple[World, World, dict[str, Any]]
) -> None:
    mine, theirs, before = worlds
    checked: set[tuple[str, str]] = set()
    async with client_for(app, tenant.api_key) as http:
        for route in app.router.routes:
            if route.public:
                continue
            concrete = route.path
            for name, literal in LITERALS.items():
                concrete = concrete.replace("{" + name + "}", literal)
            params = re.findall(r"\{(\w+)\}", concrete)
            for method in route.methods:
                checked.add((method, route.path))
                if params:
                    path = concrete
                    for name in params:
                        path = path.replace("{" + name + "}", theirs.ids[PATH_KINDS[name]])
                    kind = PATH_KINDS[params[0]]
                    body = CHANGES.get(kind, {}) if method == "PUT" else None
                    response = await http.request(method, path, json=body)
                    assert response.status_code == 404, (method, path, response.text)
                    assert_no_leak(response, theirs)
                elif method == "GET":
                    assert route.path in FILTERS, f"no tenancy rule for GET {route.path}"
                    for name, kind in FILTERS[route.path].items():
                        for response in (
                            await http.get(concrete, params={name: theirs.ids[kind]}),
                            await http.post(concrete, json={"_params": {name: theirs.ids[kind]}},
                                            headers={"x-http-method-override": "GET"}),
                        ):  # fmt: skip
                            assert response.status_code in (200, 400), response.text
                            assert_no_leak(response, theirs)
                    assert_no_leak(await http.get(concrete), theirs)
                elif method == "POST":
                    assert route.path in FOREIGN_REFERENCES, (
                        f"no tenancy rule for POST {route.path}"
                    )
                    for template in FOREIGN_REFERENCES[route.path]:
                        body = {key: theirs.ids[kind] for key, kind in template.items()}
                        own = {
                            key: mine.ids.get(value, value)
                            for key, value in OWN_BODIES.get(route.path, {}).items()
                        }
                        response = await http.post(concrete, json={**own, **body})
                        assert response.status_code == 400, (route.path, body, response.text)
                        assert response.json()["field-errors"] == dict.fromkeys(
                            body, "Object does not exist."
                        )
                elif method == "PUT" and route.path in FILTERS:
                    # A bulk update selects by filters: naming their ids selects nothing.
                    for name, kind in FILTERS[route.path].items():
                        response = await http.put(route.path, params={name: theirs.ids[kind]},
                                                  json={"is_complete": True})  # fmt: skip
                        assert response.status_code == 200, response.text
                        assert_no_leak(response, theirs)
                else:
                    pytest.fail(f"no tenancy rule for {method} {route.path}")
        # Searches never find their leads or contacts, by id, phone or name.
        for top, key in (("lead", "lead"), ("contact", "contact")):
            found = await http.post("/api/v1/data/search/", json={"query": {
                "type": "and", "queries": [
                    {"type": "object_type", "object_type": top},
                    {"type": "field_condition",
                     "field": {"type": "regular_field", "object_type": top, "field_name": "id"},
                     "condition": {"type": "term", "values": [theirs.ids[key]]}}]}})  # fmt: skip
            assert found.json() == {"data": [], "cursor": None}
        for text in ("+16505551234", "*", "acme"):
            found = await http.get("/api/v1/lead/", params={"query": text})
            assert_no_leak(found, theirs)
        # My own call cannot be pointed at their objects either.
        my_call = f"/api/v1/activity/call/{mine.ids['call']}/"
        unchanged = (await http.get(my_call)).json()
        for key, kind in (("lead_id", "lead"), ("contact_id", "contact"), ("user_id", "user"),
                          ("outcome_id", "outcome")):  # fmt: skip
            response = await http.put(my_call, json={key: theirs.ids[kind]})
            assert response.status_code == 400, (key, response.text)
        assert (await http.get(my_call)).json() == unchanged
    assert checked == {(m, r.path) for r in app.router.routes if not r.public for m in r.methods}
    assert await snapshot(app, other_tenant, theirs) == before
