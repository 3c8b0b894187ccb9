"""A real server process: restarts, hard kills, concurrency and the official closeio client."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import closeio_api
import pytest

from tests.support import UNLIMITED, LiveServer

KEY = "api_testtesttesttesttest00.testtesttesttesttest00"


@pytest.fixture
def server(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    # Hundreds of requests a second from one key: more than Close's limits allow.
    live = LiveServer(database_url, KEY, tmp_path, environment=UNLIMITED)
    live.start()
    try:
        yield live
    finally:
        if live.process is not None:
            live.stop()


def test_first_start_creates_an_organization_and_prints_the_key(
    database_url: str, tmp_path: Path
) -> None:
    live = LiveServer(database_url, KEY, tmp_path)
    live.start()
    live.stop()
    first = live.output.read_text()
    assert "created organization orga_" in first
    assert f"API key: {KEY}" in first
    live.start()
    live.stop()
    assert live.output.read_text().count("created organization") == 1


def test_bootstrap_key_from_the_environment(database_url: str, tmp_path: Path) -> None:
    live = LiveServer(database_url, KEY, tmp_path, environment={"CLOSECALLS_BOOTSTRAP_KEY": KEY})
    live.start()
    try:
        with live.client() as client:
            assert client.post("/api/v1/activity/call/", json={}).status_code == 200
    finally:
        live.stop()
    assert f"API key: {KEY}" in live.output.read_text()


def test_data_survives_a_restart(server: LiveServer) -> None:
    with server.client() as client:
        created = client.post("/api/v1/activity/call/", json={"note": "keep me"})
        assert created.status_code == 200
    server.stop()
    server.start()
    with server.client() as client:
        fetched = client.get(f"/api/v1/activity/call/{created.json()['id']}/")
    assert fetched.status_code == 200
    assert fetched.json() == created.json()


def _create_many(server: LiveServer, count: int) -> list[dict[str, Any]]:
    body = {"direction": "outbound"}
    responses = server.parallel(
        [("POST", "/api/v1/activity/call/", {**body, "duration": n}) for n in range(count)]
    )
    assert all(response.status_code == 200 for response in responses)
    return [response.json() for response in responses]


def _read_all(server: LiveServer, calls: list[dict[str, Any]]) -> None:
    fetched = server.parallel([("GET", f"/api/v1/activity/call/{c['id']}/", None) for c in calls])
    for call, response in zip(calls, fetched, strict=True):
        assert response.status_code == 200
        assert response.json() == call


def test_hundreds_of_parallel_creates_are_all_kept_once(server: LiveServer) -> None:
    calls = _create_many(server, 400)
    ids = [call["id"] for call in calls]
    assert len(set(ids)) == 400
    assert sorted(call["duration"] for call in calls) == list(range(400))
    _read_all(server, calls)


def test_acknowledged_creates_survive_a_hard_kill(server: LiveServer) -> None:
    calls = _create_many(server, 200)
    server.stop(signal.SIGKILL)
    server.start()
    _read_all(server, calls)


def test_the_official_closeio_client_logs_and_reads_calls(server: LiveServer) -> None:
    api = closeio_api.API(server.api_url, api_key=KEY, max_retries=1)
    lead = api.post("lead", data={"name": "Acme"})
    call = api.post(
        "activity/call",
        data={"lead_id": lead["id"], "direction": "outbound", "duration": 75,
              "phone": "+16505551234", "note": "demo booked"},
    )  # fmt: skip
    assert call["_type"] == "Call"
    assert call["status"] == "completed"
    assert call["note_html"] == "<body>demo booked</body>"
    assert api.get(f"activity/call/{call['id']}") == call

    with pytest.raises(closeio_api.ValidationError) as invalid:
        api.post("activity/call", data={"direction": "sideways", "duration": 10**6})
    assert invalid.value.field_errors == {
        "direction": "Not a valid choice.",
        "duration": "The value must not be larger than 604800.",
    }
    with pytest.raises(closeio_api.APIError) as missing:
        api.get("activity/call/acti_missing")
    assert missing.value.response.status_code == 404

    stranger = closeio_api.API(server.api_url, api_key="api_nobody.nothing", max_retries=1)
    with pytest.raises(closeio_api.APIError) as unauthorized:
        stranger.get(f"activity/call/{call['id']}")
    assert unauthorized.value.response.status_code == 401


def test_the_closeio_client_works_a_lead_from_creation_to_deletion(server: LiveServer) -> None:
    api = closeio_api.API(server.api_url, api_key=KEY, max_retries=1)
    phones = [{"phone": "+1 650 555 0100", "type": "mobile"}]
    lead = api.post(
        "lead",
        data={"name": "Wayne Enterprises", "contacts": [{"name": "Bruce", "phones": phones}]},
    )
    [contact] = lead["contacts"]
    logged = [
        api.post("activity/call", data={"contact_id": contact["id"], "direction": direction,
                                        "duration": 60, "phone": "+16505550100"})
        for direction in ("outbound", "inbound", "outbound")
    ]  # fmt: skip
    assert {call["lead_id"] for call in logged} == {lead["id"]}
    listed = api.get("activity/call", params={"lead_id": lead["id"]})
    assert {call["id"] for call in listed["data"]} == {call["id"] for call in logged}
    assert api.delete(f"lead/{lead['id']}") == {}
    assert api.get("activity/call", params={"lead_id": lead["id"]}) == {
        "data": [],
        "has_more": False,
    }
    for call in logged:
        with pytest.raises(closeio_api.APIError) as gone:
            api.get(f"activity/call/{call['id']}")
        assert gone.value.response.status_code == 404


def test_granian_answers_with_the_same_headers_access_log_and_shutdown(
    database_url: str, tmp_path: Path
) -> None:
    """`serve --server granian`: what uvicorn serves, over real HTTP, and SIGTERM ends it."""
    live = LiveServer(
        database_url, KEY, tmp_path, environment=UNLIMITED, arguments=("--server", "granian")
    )
    live.start()
    try:
        with live.client() as client:
            created = client.post(
                "/api/v1/activity/call/", json={"note": "over granian"},
                headers={"x-request-id": "given-id-1"},
            )  # fmt: skip
            assert created.status_code == 200
            assert created.headers["x-request-id"] == "given-id-1"
            fetched = client.get(f"/api/v1/activity/call/{created.json()['id']}/")
            assert fetched.json() == created.json()
            assert fetched.headers["content-type"] == "application/json"
            assert fetched.headers["content-length"] == str(len(fetched.content))
            assert len(fetched.headers["x-request-id"]) == 16
            missing = client.get("/api/v1/activity/call/acti_missing/")
            assert missing.status_code == 404
            assert "error" in missing.json()
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
            assert client.get("/metrics").text.count("closecalls_http_requests_total{") >= 3
    finally:
        assert live.stop(signal.SIGTERM) == 0
    output = live.output.read_text()
    assert "closecalls: serving http://127.0.0.1:" in output
    assert "POST /api/v1/activity/call/ 200" in output
    assert "given-id-1" in output
