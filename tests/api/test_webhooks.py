"""/api/v1/webhook/: subscriptions as Close's, validated, at most 40, paused and resumed."""

from __future__ import annotations

import re
from typing import Any

import httpx

from closecalls.accounts import Tenant
from closecalls.app import App
from tests.conftest import client_for

WEBHOOKS = "/api/v1/webhook/"
BODY: dict[str, Any] = {
    "url": "https://example.com/hook",
    "events": [
        {"object_type": "activity.call", "action": "created"},
        {"object_type": "activity.call", "action": "updated"},
    ],
}


async def test_create_answers_201_with_a_hex_signature_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(WEBHOOKS, json=BODY)
    assert response.status_code == 201, response.text
    created = response.json()
    assert re.fullmatch(r"whsub_[0-9A-Za-z]{22}", created["id"])
    assert re.fullmatch(r"[0-9a-f]{64}", created["signature_key"])
    assert created["url"] == BODY["url"]
    assert created["events"] == [{**event, "extra_filter": None} for event in BODY["events"]]
    assert created["status"] == "active"
    assert created["verify_ssl"] is True
    assert created["event_filter"] is None
    assert created["organization_id"] == tenant.organization.id
    assert (await client.get(f"{WEBHOOKS}{created['id']}/")).json() == created
    assert (await client.get(WEBHOOKS)).json() == {"data": [created], "has_more": False}


async def test_put_changes_pauses_and_resumes(client: httpx.AsyncClient) -> None:
    created = (await client.post(WEBHOOKS, json=BODY)).json()
    url = f"{WEBHOOKS}{created['id']}/"
    only_mine = {"type": "field_accessor", "field": "user_id",
                 "filter": {"type": "non_null"}}  # fmt: skip
    changed = await client.put(url, json={
        "url": "https://example.org/other", "events": BODY["events"][:1], "verify_ssl": False,
        "event_filter": only_mine, "status": "paused",
    })  # fmt: skip
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["verify_ssl"], body["status"]) == (
        "https://example.org/other",
        False,
        "paused",
    )
    assert body["event_filter"] == only_mine and len(body["events"]) == 1
    assert body["signature_key"] == created["signature_key"]
    resumed = await client.put(url, json={"status": "active"})
    assert resumed.json()["status"] == "active"
    assert (await client.get(url)).json() == resumed.json()


async def test_delete(client: httpx.AsyncClient) -> None:
    created = (await client.post(WEBHOOKS, json=BODY)).json()
    url = f"{WEBHOOKS}{created['id']}/"
    assert (await client.delete(url)).json() == {}
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, url, json={} if method == "PUT" else None)
        assert response.status_code == 404
    assert (await client.get(f"{url}delivery/")).status_code == 404


async def test_at_most_40_per_organization(
    app: App, client: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    for _ in range(40):
        assert (await client.post(WEBHOOKS, json=BODY)).status_code == 201
    refused = await client.post(WEBHOOKS, json=BODY)
    assert refused.status_code == 400
    assert "40" in refused.json()["error"]
    assert len((await client.get(WEBHOOKS)).json()["data"]) == 40
    async with client_for(app, other_tenant.api_key) as other:
        assert (await other.post(WEBHOOKS, json=BODY)).status_code == 201


REFUSED: list[tuple[dict[str, Any], set[str]]] = [
        ({}, {"url", "events"}),
        ({**BODY, "url": "ftp://example.com/"}, {"url"}),
        ({**BODY, "url": "http://127.0.0.1:9999/hook"}, {"url"}),
        ({**BODY, "url": "http://localhost/hook"}, {"url"}),
        ({**BODY, "url": "http://169.254.169.254/latest/"}, {"url"}),
        ({**BODY, "url": "http://[::1]/"}, {"url"}),
        ({**BODY, "events": []}, {"events"}),
        ({**BODY, "events": [{"object_type": "lead"}]}, {"events"}),
        ({**BODY, "events": [{"object_type": "lead", "action": "created",
                              "extra_filter": {"type": "like"}}]}, {"events"}),
        ({**BODY, "event_filter": {"type": "and", "filters": "x"}}, {"event_filter"}),
        ({**BODY, "verify_ssl": "no"}, {"verify_ssl"}),
        ({**BODY, "status": "paused"}, {"status"}),
]  # fmt: skip


async def test_bad_subscriptions_are_refused_and_not_stored(client: httpx.AsyncClient) -> None:
    for body, bad in REFUSED:
        response = await client.post(WEBHOOKS, json=body)
        assert response.status_code == 400, response.text
        assert set(response.json()["field-errors"]) == bad, body
    assert (await client.get(WEBHOOKS)).json()["data"] == []


async def test_bad_changes_are_refused(client: httpx.AsyncClient) -> None:
    created = (await client.post(WEBHOOKS, json=BODY)).json()
    url = f"{WEBHOOKS}{created['id']}/"
    for body in ({"status": "sleeping"}, {"url": "http://10.0.0.1/"}, {"events": "all"}):
        assert (await client.put(url, json=body)).status_code == 400
    assert (await client.get(url)).json() == created


async def test_subscriptions_stay_in_their_organization(
    app: App, client: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    created = (await client.post(WEBHOOKS, json=BODY)).json()
    async with client_for(app, other_tenant.api_key) as other:
        assert (await other.get(WEBHOOKS)).json()["data"] == []
        for method in ("GET", "PUT", "DELETE"):
            response = await other.request(
                method,
                f"{WEBHOOKS}{created['id']}/",
                json={"status": "paused"} if method == "PUT" else None,
            )
            assert response.status_code == 404
        assert (await other.get(f"{WEBHOOKS}{created['id']}/delivery/")).status_code == 404
    assert (await client.get(f"{WEBHOOKS}{created['id']}/")).json() == created
