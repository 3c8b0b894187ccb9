"""/healthz, /readyz and /metrics over real HTTP, and the access log, on both backends."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from closecalls.app import App
from closecalls.store import sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.store.sqlite_driver import SQLiteDriver
from tests.support import UNLIMITED, LiveServer

KEY = "api_healthhealthhealth0000.healthhealthhealth000000"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(database_url, KEY, tmp_path, environment=UNLIMITED)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def metric(text: str, name: str, **labels: str) -> float:
    """A sample's value from Prometheus's text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        if sample == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return 0.0


def test_probes_answer_without_credentials(server: LiveServer) -> None:
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_metrics_count_requests_by_route_template_with_latency(server: LiveServer) -> None:
    with server.client() as client:
        created = client.post("/api/v1/activity/call/", json={"duration": 3}).json()
        assert client.get(f"/api/v1/activity/call/{created['id']}/").status_code == 200
        assert client.get("/api/v1/no-such-thing/").status_code == 404
    scraped = httpx.get(server.url + "/metrics")
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    requests = "closecalls_http_requests_total"
    assert metric(text, requests, route="/api/v1/activity/call/", method="POST", status="200") == 1
    one_call = "/api/v1/activity/call/{call_id}/"
    assert metric(text, requests, route=one_call, method="GET", status="200") == 1
    assert metric(text, requests, route="(unrouted)", method="GET", status="404") == 1
    assert created["id"] not in text  # the template, never the path
    latency = "closecalls_http_request_duration_seconds_count"
    assert metric(text, latency, route="/api/v1/activity/call/", method="POST") == 1
    assert metric(text, "closecalls_ready") == 1
    assert metric(text, "closecalls_webhook_queue_depth") == 0
    if not is_postgres_url(server.database):
        assert metric(text, "closecalls_sqlite_writer_batch_size_count") >= 1
        assert metric(text, "closecalls_sqlite_writer_commit_seconds_count") >= 1


def test_the_access_log_has_route_status_time_and_request_id_but_no_key(
    server: LiveServer,
) -> None:
    with server.client() as client:
        answer = client.get("/api/v1/me/", headers={"x-request-id": "trace-42"})
        made_up = client.get("/api/v1/me/").headers["x-request-id"]
    assert answer.headers["x-request-id"] == "trace-42"
    log = server.output.read_text()
    line = next(line for line in log.splitlines() if "trace-42" in line)
    assert "closecalls.access: GET /api/v1/me/ 200 " in line and line.endswith("ms trace-42")
    assert made_up in log
    access = "\n".join(line for line in log.splitlines() if "closecalls.access" in line)
    assert KEY not in access and KEY.split(".")[0] not in access


def test_json_logs_are_one_object_a_line(database_url: str, tmp_path: Path) -> None:
    live = LiveServer(
        database_url, KEY, tmp_path, environment={**UNLIMITED, "CLOSECALLS_LOG_FORMAT": "json"}
    )
    live.start()
    try:
        httpx.get(live.url + "/healthz", headers={"x-request-id": "json-1"})
    finally:
        live.stop()
    entries = [json.loads(line) for line in live.output.read_text().splitlines() if line[0] == "{"]
    access = next(entry for entry in entries if entry.get("request_id") == "json-1")
    assert access["logger"] == "closecalls.access"
    assert (access["method"], access["route"], access["status"]) == ("GET", "/healthz", 200)
    assert access["duration_ms"] >= 0 and access["time"].endswith("+00:00")


def test_log_level_warning_leaves_the_access_log_out(database_url: str, tmp_path: Path) -> None:
    live = LiveServer(database_url, KEY, tmp_path, environment=UNLIMITED,
                      arguments=("--log-level", "warning"))  # fmt: skip
    live.start()
    try:
        httpx.get(live.url + "/healthz")
    finally:
        live.stop()
    assert "closecalls.access" not in live.output.read_text()


async def test_readyz_is_503_when_the_schema_is_behind(app: App) -> None:
    database = app.services.settings.database
    forget_last = (
        "DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM schema_migration)"
    )
    if is_postgres_url(database):
        connection = await asyncpg.connect(database)
        await connection.execute(forget_last)
        await connection.close()
    else:
        with sqlite3.connect(sqlite_path(database)) as connection:
            connection.execute(forget_last)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "closecalls migrate" in ready.json()["problems"][0]
        assert "closecalls_ready 0.0" in (await client.get("/metrics")).text


async def test_readyz_is_503_when_the_sqlite_writer_has_stopped(app: App) -> None:
    db = app.services.store.db
    if not isinstance(db, SQLiteDriver):
        pytest.skip("PostgreSQL has no writer thread")
    db.writer.stop()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        ready = await client.get("/readyz")
    assert ready.json()["problems"] == ["the database writer has stopped"]
