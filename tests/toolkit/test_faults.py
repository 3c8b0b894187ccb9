"""Injected faults in Close's format, counted and matched, on both backends."""

from __future__ import annotations

import time

import httpx
import pytest

from closecalls.toolkit.hook import DroppedConnection
from tests.toolkit.conftest import Org

CALLS = "/api/v1/activity/call/"


async def test_each_status_in_closes_shape(admin: httpx.AsyncClient, org: Org) -> None:
    for status in (429, 500, 502, 503):
        spec = {"method": "GET", "path": CALLS, "status": status, "retry_after": 3}
        await admin.post(org.path + "faults/", json=spec)
        response = await org.http.get("/activity/call/")
        assert response.status_code == status
        assert isinstance(response.json()["error"], str | dict)
    got = await org.http.get("/activity/call/")
    assert got.status_code == 200


async def test_429_and_503_carry_the_headers_clients_read(
    admin: httpx.AsyncClient, org: Org
) -> None:
    await admin.post(org.path + "faults/", json={"path": CALLS, "status": 429, "retry_after": 7})
    limited = await org.http.get("/activity/call/")
    assert limited.headers["ratelimit"] == "limit=320, remaining=0, reset=7"
    assert limited.headers["retry-after"] == "7"
    assert limited.json()["rate_reset"] == 7
    assert limited.json()["error"]["rate_reset"] == 7
    await admin.post(org.path + "faults/", json={"path": CALLS, "status": 503, "retry_after": 2})
    unavailable = await org.http.get("/activity/call/")
    assert unavailable.headers["retry-after"] == "2"
    assert set(unavailable.json()) == {"error"}


async def test_next_n_matching_requests_only(admin: httpx.AsyncClient, org: Org) -> None:
    added = await admin.post(org.path + "faults/", json={
        "method": "post", "path": "/api/v1/activity/*", "status": 503, "times": 2,
    })  # fmt: skip
    assert added.status_code == 201
    assert added.json()["method"] == "POST"
    assert (await org.http.get("/activity/call/")).status_code == 200  # other method
    assert (await org.http.post("/lead/", json={"name": "x"})).status_code == 200  # other path
    statuses = [
        (await org.http.post("/activity/call/", json={"note": str(n)})).status_code
        for n in range(3)
    ]
    assert statuses == [503, 503, 200]
    # Refused requests stored nothing.
    assert [call["note"] for call in (await org.http.get("/activity/call/")).json()["data"]] == [
        "2"
    ]
    journal = (await admin.get(org.path + "journal/", params={"status": "503"})).json()["data"]
    assert [entry["fault"]["status"] for entry in journal] == [503, 503]


async def test_faults_are_per_organization_listed_and_cleared(
    admin: httpx.AsyncClient, org: Org, other_org: Org
) -> None:
    await admin.post(org.path + "faults/", json={"status": 500, "times": 5})
    assert (await other_org.http.get("/me/")).status_code == 200
    assert (await org.http.get("/me/")).status_code == 500
    pending = (await admin.get(org.path + "faults/")).json()["data"]
    assert [(fault["status"], fault["times"]) for fault in pending] == [(500, 4)]
    await admin.delete(org.path + "faults/")
    assert (await admin.get(org.path + "faults/")).json()["data"] == []
    assert (await org.http.get("/me/")).status_code == 200


async def test_a_delayed_request_still_answers(admin: httpx.AsyncClient, org: Org) -> None:
    await admin.post(org.path + "faults/", json={"path": "/api/v1/me/", "delay": 0.3})
    started = time.monotonic()
    response = await org.http.get("/me/")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


async def test_a_dropped_connection_answers_nothing(admin: httpx.AsyncClient, org: Org) -> None:
    await admin.post(org.path + "faults/", json={"method": "POST", "drop": True})
    with pytest.raises(DroppedConnection):
        await org.http.post("/lead/", json={"name": "lost"})
    assert (await org.http.get("/lead/")).json()["data"] == []
    entry = (await admin.get(org.path + "journal/", params={"method": "POST"})).json()["data"][0]
    assert entry["status"] is None
    assert entry["fault"]["drop"] is True


async def test_fault_specs_are_checked(admin: httpx.AsyncClient, org: Org) -> None:
    for spec in (
        {"status": 404},
        {},
        {"delay": -1},
        {"drop": "yes"},
        {"status": 503, "times": "x"},
    ):
        refused = await admin.post(org.path + "faults/", json=spec)
        assert refused.status_code == 400, spec
    assert (await admin.get(org.path + "faults/")).json()["data"] == []


async def test_after_serves_the_request_then_loses_its_answer(
    admin: httpx.AsyncClient, org: Org
) -> None:
    await admin.post(org.path + "faults/", json={"method": "POST", "status": 502, "after": True})
    await admin.post(org.path + "faults/", json={"method": "POST", "drop": True, "after": True})
    failed = await org.http.post("/lead/", json={"name": "stored anyway"})
    assert failed.status_code == 502
    with pytest.raises(DroppedConnection):
        await org.http.post("/lead/", json={"name": "stored too"})
    names = {lead["name"] for lead in (await org.http.get("/lead/")).json()["data"]}
    assert names == {"stored anyway", "stored too"}
