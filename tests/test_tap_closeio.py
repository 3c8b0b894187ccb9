"""The real Singer tap, tap-closeio, syncs every call from a live server exactly once."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer

KEY = "api_tapclosetapclosetap000.tapclosetapclosetap000"
ROOT = Path(__file__).resolve().parents[1]
TAP_VENV = ROOT / ".venv-tap-closeio"
TAP_PYTHON = TAP_VENV / "bin" / "python"
TAP_REQUIREMENT = "tap-closeio==1.6.6"
# 1.6.6 (the newest) installs on Python 3.11 as is: its own pins (singer-python 5.13.2,
# pendulum 1.2.0, requests 2.33.0) all work there. But pendulum 1.2.0 and singer-python leave
# their dependencies open, so pin the versions verified with this 2017-era code: a future major
# of one of them must not silently break the tap's venv.
TAP_CONSTRAINTS = (
    "python-dateutil==4.0.0", "tzlocal==5.4.5", "pytzdata==2020.1", "pytz==2026.6",
    "ciso8601==2.4.1", "jsonschema==2.6.0", "simplejson==3.11.1", "backoff==1.10.0",
)  # fmt: skip
# tap_closeio.http.BASE_URL is a module constant read on every request, so a wrapper can aim
# the unmodified tap at any server: `python -c RUN_TAP BASE_URL [tap arguments...]`.
RUN_TAP = (
    "import sys, tap_closeio, tap_closeio.http; "
    "tap_closeio.http.BASE_URL = sys.argv.pop(1); sys.argv[0] = 'tap-closeio'; "
    "tap_closeio.main()"
)
# Fields the tap's activities schema marks date-time: it rewrites them as `...%fZ` in UTC.
TAP_DATETIME_FIELDS = ("date_created", "date_updated", "date_scheduled", "date_sent")
CALLS = "/api/v1/activity/call/"


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, failing the test with its output if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{command[:4]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def _tap_installed(wanted: str) -> bool:
    stamp = TAP_VENV / "installed.txt"
    if not (stamp.is_file() and stamp.read_text() == wanted and TAP_PYTHON.exists()):
        return False
    probe = [str(TAP_PYTHON), "-c", "import tap_closeio.http"]
    return subprocess.run(probe, capture_output=True, timeout=60, check=False).returncode == 0


@pytest.fixture(scope="session")
def tap_python(request: pytest.FixtureRequest) -> Path:
    """The interpreter of a venv holding tap-closeio, built once (needs PyPI) and then reused."""
    wanted = "\n".join([TAP_REQUIREMENT, *TAP_CONSTRAINTS]) + "\n"
    lock_path = request.config.cache.mkdir("tap-closeio") / "venv.lock"
    # Concurrent test sessions would otherwise delete each other's half-built venv.
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _tap_installed(wanted):
            shutil.rmtree(TAP_VENV, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(TAP_VENV)], timeout=120)
            constraints = TAP_VENV / "constraints.txt"
            constraints.write_text("\n".join(TAP_CONSTRAINTS) + "\n")
            pip = [str(TAP_PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
            _run([*pip, "--quiet", "-c", str(constraints), TAP_REQUIREMENT], timeout=900)
            (TAP_VENV / "installed.txt").write_text(wanted)
    return TAP_PYTHON


@pytest.fixture
def server(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    live = LiveServer(database_url, KEY, tmp_path)
    live.start()
    yield live
    if live.process is not None:
        live.stop()


def run_tap(python: Path, server: LiveServer, *arguments: str) -> str:
    """Run the unmodified tap against the server; its stdout, after checking it exited 0."""
    return run_tap_process(python, server, *arguments).stdout


def run_tap_process(
    python: Path, server: LiveServer, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """Run the unmodified tap against the server and check it exited 0."""
    # requests honours proxy variables; a proxy must never sit between the tap and localhost.
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run(
        [str(python), "-c", RUN_TAP, server.api_url.rstrip("/"), *arguments],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"tap-closeio exited {done.returncode}:\n{done.stderr[-6000:]}"
    return done


def singer_messages(stdout: str) -> list[dict[str, Any]]:
    """The Singer messages of a sync: one JSON object per stdout line."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def select_only(catalog: dict[str, Any], stream: str) -> dict[str, Any]:
    """The discovered catalog with exactly one stream selected, as a user would in a UI."""
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] == stream
    return catalog


def write_json(path: Path, value: Any) -> str:
    """Write a JSON file for the tap's command line; its path."""
    path.write_text(json.dumps(value))
    return str(path)


def comparable(activity: dict[str, Any]) -> dict[str, Any]:
    """An activity with the tap's date-time fields as instants, so formats do not matter."""
    return {
        name: datetime.fromisoformat(value) if name in TAP_DATETIME_FIELDS and value else value
        for name, value in activity.items()
    }


def seed(server: LiveServer, base: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Calls spread over days, pages and the tap's date windows: (in range, before start)."""
    day = timedelta(days=1)
    shared = base + day + timedelta(hours=6, microseconds=123456)
    moments: list[datetime | None] = [
        *(base - 3 * day + timedelta(hours=9, minutes=i) for i in range(3)),  # before start
        *(base - day + timedelta(hours=9, minutes=7 * i) for i in range(10)),
        # Half a second after the tap's window boundary: inside the later window only.
        *(base + timedelta(milliseconds=500 + i) for i in range(3)),
        *(base + timedelta(hours=10, minutes=11 * i, microseconds=i) for i in range(30)),
        # 40 calls at one instant straddle the tap's first 100-call page boundary.
        *([shared] * 40),
        *(base + day + timedelta(hours=12, minutes=5 * i) for i in range(80)),
        # Exactly one full page in a window, half of it at one instant.
        *([base + 3 * day + timedelta(hours=8)] * 50),
        *(base + 3 * day + timedelta(hours=9, seconds=i) for i in range(50)),
        *([None] * 5),  # dated now by the server
    ]
    bodies = []
    for n, moment in enumerate(moments):
        body: dict[str, Any] = {"direction": ("inbound", "outbound")[n % 2], "duration": n}
        body["note"] = f"tap call {n}"
        if n % 3 == 0:
            body["phone"] = "+16505551234"
        if moment is not None:
            body["date_created"] = moment.isoformat()
        bodies.append(body)
    responses = server.parallel([("POST", CALLS, body) for body in bodies])
    assert [response.status_code for response in responses] == [200] * len(bodies)
    calls = [response.json() for response in responses]
    return calls[3:], calls[:3]


def test_tap_closeio_syncs_every_call_exactly_once(
    tap_python: Path, server: LiveServer, tmp_path: Path
) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    base = today - timedelta(days=7)
    in_range, too_old = seed(server, base)
    assert len(in_range) > 250
    start = base - timedelta(days=1)
    # With its default one-day look-back the tap asks from base - 2 days in 2-day windows:
    # three with calls, one empty, and the last, holding today's calls, ending in the future.
    config = write_json(
        tmp_path / "config.json",
        {"api_key": KEY, "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "date_window": 2},
    )

    catalog = json.loads(run_tap(tap_python, server, "--config", config, "--discover"))
    assert "activities" in {entry["tap_stream_id"] for entry in catalog["streams"]}
    catalog_path = write_json(tmp_path / "catalog.json", select_only(catalog, "activities"))

    messages = singer_messages(run_tap(tap_python, server, "-c", config, "--catalog", catalog_path))
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert {m["stream"] for m in messages if m["type"] in ("RECORD", "SCHEMA")} == {"activities"}
    counts = Counter(record["id"] for record in records)
    assert [id_ for id_, seen in counts.items() if seen > 1] == []
    assert set(counts) == {call["id"] for call in in_range}
    by_id = {record["id"]: record for record in records}
    for call in in_range:
        assert comparable(by_id[call["id"]]) == comparable(call)
        assert by_id[call["id"]]["_type"] == "Call"
    assert not {call["id"] for call in too_old} & set(counts)

    states = [m["value"] for m in messages if m["type"] == "STATE"]
    assert states, "the tap emitted no STATE message"
    final = states[-1]
    assert final["currently_syncing"] is None
    assert not final["bookmarks"]["activities"].get("offset")
    bookmark = datetime.fromisoformat(final["bookmarks"]["activities"]["date_created"])
    assert bookmark == max(datetime.fromisoformat(call["date_created"]) for call in in_range)

    # Resuming from that state re-reads only the tap's one-day look-back: the calls of today.
    state = write_json(tmp_path / "state.json", final)
    again = singer_messages(
        run_tap(tap_python, server, "-c", config, "--catalog", catalog_path, "--state", state)
    )
    resynced = [m["record"]["id"] for m in again if m["type"] == "RECORD"]
    assert sorted(resynced) == sorted(call["id"] for call in in_range[-5:])


def test_tap_closeio_finishes_a_sync_through_429s(
    tap_python: Path, database_url: str, tmp_path: Path
) -> None:
    # Two list pages a second for the tap's key; creates (the seeding) are not held back.
    limits = {
        "CLOSECALLS_RATE_LIMIT_WINDOW": "1",
        "CLOSECALLS_RATE_LIMIT_GROUPS": "GET /activity/=2",
    }
    server = LiveServer(database_url, KEY, tmp_path, environment=limits)
    server.start()
    try:
        base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        in_range, _ = seed(server, base - timedelta(days=7))
        start = (base - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        config = write_json(
            tmp_path / "config.json", {"api_key": KEY, "start_date": start, "date_window": 2}
        )
        catalog = json.loads(run_tap(tap_python, server, "--config", config, "--discover"))
        catalog_path = write_json(tmp_path / "catalog.json", select_only(catalog, "activities"))
        done = run_tap_process(tap_python, server, "-c", config, "--catalog", catalog_path)
    finally:
        server.stop()
    records = [m["record"] for m in singer_messages(done.stdout) if m["type"] == "RECORD"]
    counts = Counter(record["id"] for record in records)
    assert sorted(counts.values()) == [1] * len(in_range)
    assert set(counts) == {call["id"] for call in in_range}
    # The tap's own metrics name each answer's status: it met 429s, slept `rate_reset`, retried.
    statuses = Counter(
        json.loads(line.split("METRIC: ", 1)[1])["tags"].get("http_status_code")
        for line in done.stderr.splitlines()
        if "METRIC: " in line and '"http_request_duration"' in line
    )
    assert statuses[429] >= 2, statuses


def test_tap_closeio_reads_the_event_log(
    tap_python: Path, server: LiveServer, tmp_path: Path
) -> None:
    with server.client() as http:
        calls = [http.post(CALLS, json={"duration": n}).json() for n in range(3)]
        assert http.put(f"{CALLS}{calls[0]['id']}/", json={"note": "later"}).status_code == 200
        assert http.delete(f"{CALLS}{calls[1]['id']}/").status_code == 200
        log = http.get("/api/v1/event/").json()["data"]
    assert len(log) == 5
    start = datetime.now(UTC) - timedelta(days=1)
    config = write_json(
        tmp_path / "config.json",
        {"api_key": KEY, "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    catalog = json.loads(run_tap(tap_python, server, "--config", config, "--discover"))
    catalog_path = write_json(tmp_path / "catalog.json", select_only(catalog, "event_log"))
    messages = singer_messages(run_tap(tap_python, server, "-c", config, "--catalog", catalog_path))
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert {m["stream"] for m in messages if m["type"] == "RECORD"} == {"event_log"}
    assert sorted(record["id"] for record in records) == sorted(event["id"] for event in log)
    by_id = {record["id"]: record for record in records}
    for event in log:
        record = by_id[event["id"]]
        for key in ("object_type", "object_id", "action", "lead_id", "request_id", "user_id"):
            assert record[key] == event[key]
        # The tap stores `data` and `previous_data` as JSON text.
        assert json.loads(record["data"]) == event["data"]
        assert json.loads(record["previous_data"]) == event["previous_data"]
        assert datetime.fromisoformat(record["date_updated"].replace("Z", "+00:00")) == (
            datetime.fromisoformat(event["date_updated"]).replace(tzinfo=UTC)
        )


def test_tap_closeio_syncs_a_mixed_timeline_exactly_once(
    tap_python: Path, server: LiveServer, tmp_path: Path
) -> None:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=5)
    with server.client() as http:
        lead_id = http.post("/api/v1/lead/", json={"name": "Acme"}).json()["id"]
    made: list[tuple[str, dict[str, Any]]] = []
    for n in range(90):
        # Off the tap's window boundaries: it asks `__gt` one window's end, `__lt` the next's.
        moment = (base + timedelta(hours=n, minutes=30, microseconds=n % 7)).isoformat()
        path, body = [
            (CALLS, {"duration": n}),
            ("/api/v1/activity/sms/", {"status": ("sent", "inbox", "draft")[n % 3], "text": "x"}),
            ("/api/v1/activity/note/", {"lead_id": lead_id, "note": f"note {n}"}),
        ][n % 3]
        made.append((path, {**body, "date_created": moment}))
    responses = server.parallel([("POST", path, body) for path, body in made])
    assert [response.status_code for response in responses] == [200] * len(made)
    with server.client() as http:
        task = http.post("/api/v1/task/", json={"lead_id": lead_id, "is_complete": True}).json()
        timeline = [r.json() for r in responses]
        timeline.append(http.get("/api/v1/activity/", params={"_limit": 1}).json()["data"][0])
    assert timeline[-1]["id"] == task["object_id"]
    config = write_json(tmp_path / "config.json", {
        "api_key": KEY, "start_date": (base - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date_window": 2,
    })  # fmt: skip
    catalog = json.loads(run_tap(tap_python, server, "--config", config, "--discover"))
    catalog_path = write_json(tmp_path / "catalog.json", select_only(catalog, "activities"))
    messages = singer_messages(run_tap(tap_python, server, "-c", config, "--catalog", catalog_path))
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    counts = Counter(record["id"] for record in records)
    assert sorted(counts.values()) == [1] * len(timeline)
    assert set(counts) == {activity["id"] for activity in timeline}
    assert Counter(record["_type"] for record in records) == {
        "Call": 30, "SMS": 30, "Note": 30, "TaskCompleted": 1,
    }  # fmt: skip
    by_id = {record["id"]: record for record in records}
    for activity in timeline:
        assert comparable(by_id[activity["id"]]) == comparable(activity)
