"""Hostile input over real sockets: each gets a clear 4xx, nothing is stored, serving goes on."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from typing import Any

import h11
import msgspec
import pytest

from closecalls.domain.calls import CREATE_SCHEMA
from closecalls.testing.postgres import ScratchDatabases
from tests.support import UNLIMITED, LiveServer, stored_activity_count

KEY = "api_hostilehostilehostile0.hostilehostilehostile0"
CALLS = "/api/v1/activity/call/"
NOT_FOUND = (
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again."
)
INJECTIONS = (
    "'; DROP TABLE activity; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM activity WHERE ('1'='1",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>&amp;&lt;",
    "${7*7}{{7*7}}%s%n",
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server per backend for the module: each test counts what it stored itself."""
    workdir = tmp_path_factory.mktemp("hostile")
    databases: ScratchDatabases | None = None
    if request.param == "sqlite":
        database = f"sqlite:///{workdir / 'closecalls.db'}"
    else:
        databases = request.getfixturevalue("postgres_databases")
        database = databases.create()
    server = LiveServer(database, KEY, workdir, environment=UNLIMITED)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if databases is not None:
            databases.drop(database)


def head(method: str, path: str, *lines: str) -> bytes:
    """A request's head with our key; `lines` are more header lines."""
    auth = base64.b64encode(f"{KEY}:".encode()).decode()
    head = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"authorization: Basic {auth}"]
    return ("\r\n".join([*head, *lines]) + "\r\n\r\n").encode()


def post(body: bytes, content_type: str = "application/json", path: str = CALLS) -> bytes:
    lines = [f"content-type: {content_type}", f"content-length: {len(body)}"]
    return head("POST", path, *lines) + body


def exchange(server: LiveServer, *parts: bytes, pause: float = 0.0) -> tuple[int, bytes]:
    """Send `parts` on a fresh connection (pausing between them); the status and body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        for index, part in enumerate(parts):
            if index and pause:
                time.sleep(pause)
            try:
                connection.sendall(part)
            except OSError:
                break  # the server answered early and closed: read what it said
        return read_answer(connection)


def read_answer(connection: socket.socket) -> tuple[int, bytes]:
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("host", "x")]))
    status, body = 0, b""
    while True:
        event = client.next_event()
        if event is h11.NEED_DATA:
            client.receive_data(connection.recv(65536))
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            body += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return status, body


def close_error(body: bytes) -> dict[str, Any]:
    """The body as Close's error envelope: an object with a non-empty `error` string."""
    error: dict[str, Any] = msgspec.json.decode(body)
    assert isinstance(error.get("error"), str) and error["error"], error
    return error


def still_serving(server: LiveServer) -> None:
    with server.client() as client:
        assert client.get("/api/v1/me/").status_code == 200
        assert client.post(CALLS, json={"note": "after"}).status_code == 200


JSON = "content-type: application/json"
CHUNKS = b"".join(b"10000\r\n" + b"x" * 0x10000 + b"\r\n" for _ in range(32)) + b"0\r\n\r\n"
PATH_TRICKS = (
    "/api/v1/activity/call/../../me/",
    "/api/v1/activity/%2e%2e/me/",
    "/api/v1/%2e%2e/%2e%2e/etc/passwd",
    "//api/v1//activity/call/",
    "/api/v1/activity/call/acti_%00/",
    "/api/v1/activity/call/" + "a" * 5000 + "/",
    "/api/v1/activity/call/%2e/",
    "/api/v1/activity/call/%ff%fe/",
    "/.env",
    "/api/v1/activity/call/?_limit=1e9",
)
HOSTILE_BODIES: list[tuple[str, bytes, int]] = [
    ("deep nesting", post(b'{"note": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"), 400),
    ("huge float", post(b'{"duration": 1e400}'), 400),
    ("huge integer", post(b'{"duration": ' + b"9" * 5000 + b"}"), 400),
    ("huge integer in range check", post(b'{"duration": 100000000000000000000000}'), 400),
    ("invalid UTF-8", post(b'{"note": "\xff\xfe\xc3"}'), 400),
    ("lone surrogate", post(b'{"note": "\\udc00"}'), 400),
    ("raw NUL byte", post(b'{"note": "a\x00b"}'), 400),
    ("text/plain", post(b"{}", "text/plain"), 400),
    ("form", post(b"note=x", "application/x-www-form-urlencoded"), 400),
    ("multipart", post(b"--b\r\n\r\n{}\r\n--b--", "multipart/form-data; boundary=b"), 400),
    ("no content type", head("POST", CALLS, "content-length: 2") + b"{}", 400),
    ("not an object", post(b'[{"note": "x"}]'), 400),
    ("null", post(b"null"), 400),
    ("empty", post(b""), 400),
    ("truncated", post(b'{"note": "x'), 400),
    ("declared 1 GB", head("POST", CALLS, JSON, "content-length: 1000000000"), 413),
    ("2 MB body", post(b'{"note": "' + b"x" * 2_000_000 + b'"}'), 413),
    ("2 MB chunked", head("POST", CALLS, JSON, "transfer-encoding: chunked") + CHUNKS, 413),
]


def test_hostile_bodies_get_close_errors_and_store_nothing(live: LiveServer) -> None:
    before = stored_activity_count(live.database)
    for name, request, expected in HOSTILE_BODIES:
        status, body = exchange(live, request)
        assert status == expected, (name, body[:200])
        close_error(body)
    assert stored_activity_count(live.database) == before
    still_serving(live)


def test_nul_in_text_is_kept_verbatim_and_in_an_id_names_nothing(live: LiveServer) -> None:
    before = stored_activity_count(live.database)
    with live.client() as client:
        kept = client.post(CALLS, json={"note": "a\x00b", "custom_fields": {"k\x00": "\x00"}})
        assert kept.status_code == 200
        assert client.get(f"{CALLS}{kept.json()['id']}/").json() == kept.json()
        assert kept.json()["note"] == "a\x00b"
        refused = client.post(CALLS, json={"lead_id": "lead_\x00"})
        assert refused.status_code == 400
        assert close_error(refused.content)["field-errors"] == {"lead_id": "Object does not exist."}
    assert stored_activity_count(live.database) == before + 1


def test_path_tricks_are_not_found(live: LiveServer) -> None:
    before = stored_activity_count(live.database)
    with live.client() as client:
        call_id = client.post(CALLS, json={"note": "mine"}).json()["id"]
    for path in (*PATH_TRICKS, f"/api/v1/activity/call/{call_id}/.."):
        status, body = exchange(live, head("GET", path))
        assert status in (400, 404), (path, body[:200])
        close_error(body)
    # A request line over the HTTP server's limit never reaches the app: a plain 400.
    status, _ = exchange(live, head("GET", "/api/v1/activity/call/" + "a" * 200_000 + "/"))
    assert status == 400
    assert stored_activity_count(live.database) == before + 1
    still_serving(live)


def test_header_floods_are_answered_and_serving_goes_on(live: LiveServer) -> None:
    for lines in ([f"x-flood-{n}: {'v' * 50}" for n in range(2000)], ["x-big: " + "v" * 100_000],
                  ["authorization: Basic " + "A" * 50_000]):  # fmt: skip
        status, _ = exchange(live, head("GET", "/api/v1/me/", *lines))
        assert status in (200, 400, 401, 431), lines[0][:40]
    still_serving(live)


def test_slow_clients_do_not_stop_others(live: LiveServer) -> None:
    body = b'{"note": "slow but whole"}'
    request = post(body)
    slow = []
    for _ in range(30):  # slowloris: heads that never finish
        connection = socket.create_connection(("127.0.0.1", live.port), timeout=10)
        connection.sendall(request[:40])
        slow.append(connection)
    try:
        started = time.monotonic()
        still_serving(live)
        assert time.monotonic() - started < 5
        # A body that trickles in byte by byte is still answered, and whole.
        status, answer = exchange(live, request[:-10], *(bytes([b]) for b in request[-10:]),
                                  pause=0.05)  # fmt: skip
        assert status == 200
        assert msgspec.json.decode(answer)["note"] == "slow but whole"
    finally:
        for connection in slow:
            connection.close()
    still_serving(live)


def test_injection_in_every_string_field_is_refused_or_kept_verbatim(live: LiveServer) -> None:
    before = stored_activity_count(live.database)
    strings = [name for name, spec in CREATE_SCHEMA.items() if spec.kind in
               ("string", "choice", "phone", "url", "https_url", "datetime")]  # fmt: skip
    kept = 0
    with live.client() as client:
        for payload, name in ((payload, name) for payload in INJECTIONS for name in strings):
            answer = client.post(CALLS, json={"direction": "outbound", name: payload})
            if answer.status_code == 200:
                kept += 1
                call = answer.json()
                if name not in ("organization_id", "created_by_id", "note_html"):
                    assert call[name] == payload, name
                assert client.get(f"{CALLS}{call['id']}/").json() == call
            else:
                assert answer.status_code == 400, (name, answer.text)
                assert name in close_error(answer.content)["field-errors"], name
        custom = {payload: payload for payload in INJECTIONS}
        answer = client.post(CALLS, json={"custom_fields": custom})
        assert answer.status_code == 200
        assert answer.json()["custom_fields"] == custom
    assert kept >= len(INJECTIONS) * 4  # note, quality_info and ids kept verbatim at least
    assert stored_activity_count(live.database) == before + kept + 1
    still_serving(live)


def test_duplicate_keys_keep_the_last_like_pythons_json(live: LiveServer) -> None:
    before = stored_activity_count(live.database)
    status, body = exchange(
        live, post(b'{"note": "first", "direction": "inbound", "note": "last"}')
    )
    assert status == 200
    assert msgspec.json.decode(body)["note"] == "last"
    assert stored_activity_count(live.database) == before + 1
