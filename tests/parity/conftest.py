"""An upstream closecalls over real HTTP, a proxy in this process, and a session to send."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from closecalls.parity.cassette import CassetteWriter
from closecalls.parity.local import Local
from closecalls.parity.proxy import Proxy
from closecalls.settings import Settings
from closecalls.testing.admin_client import AdminClient, TestOrganization
from tests.support import LiveServer

ADMIN_TOKEN = "adm_parity_tests"
REPORT_TOKEN = "report-token"


def upstream_server(workdir: Path, **environment: str) -> LiveServer:
    server = LiveServer(
        f"sqlite:///{workdir / 'upstream.db'}", "api_parity_upstream_key", workdir,
        environment={"CLOSECALLS_ADMIN_TOKEN": ADMIN_TOKEN, **environment},
    )  # fmt: skip
    server.start()
    return server


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A second closecalls, as Close, with the admin API for faults."""
    server = upstream_server(tmp_path_factory.mktemp("upstream"))
    yield server
    server.stop()


@dataclass
class Parity:
    """A proxy in front of an upstream organization, and a client of the proxy."""

    proxy: Proxy
    client: httpx.AsyncClient
    organization: TestOrganization

    async def report(self) -> dict[str, Any]:
        answer = await self.client.get(
            "/_parity/report.json", headers={"authorization": f"Bearer {REPORT_TOKEN}"}, auth=None
        )
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report


ParityFactory = Callable[..., Any]


@pytest.fixture
async def parity_for(database_url: str) -> AsyncIterator[ParityFactory]:
    """Starts a proxy to a server's fresh organization, replaying on this test's database."""
    started: list[Parity] = []
    admins: list[AdminClient] = []

    async def start(server: LiveServer, *, api_url: str | None = None,
                    cassette: CassetteWriter | None = None) -> Parity:  # fmt: skip
        admin = AdminClient(server.url, ADMIN_TOKEN)
        admins.append(admin)
        organization = admin.create_organization()
        local = Local(Settings.load({"database": database_url}, environ={}), None)
        proxy = Proxy(upstream=api_url or server.api_url, local=local, report_token=REPORT_TOKEN,
                      tolerance_seconds=60, cassette=cassette)  # fmt: skip
        await local.start()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=proxy), base_url="http://proxy.test",
            auth=(organization.api_key, ""), timeout=60,
        )  # fmt: skip
        started.append(Parity(proxy, client, organization))
        return started[-1]

    yield start
    for parity in started:
        await parity.client.aclose()
        await parity.proxy.client.aclose()
        await parity.proxy.local.stop()
        parity.organization.close()
    for admin in admins:
        admin.close()


async def session(client: httpx.AsyncClient, *, before_get: Callable[[], None] = lambda: None
                  ) -> dict[str, str]:  # fmt: skip
    """A call integration's day: look up the user, make a lead and contact, log and edit a call."""

    async def ok(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = await client.request(method, "/api/v1/" + path, **kwargs)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    await ok("GET", "me/")
    lead = await ok("POST", "lead/", json={"name": "Acme Rockets"})
    contact = await ok("POST", "contact/", json={
        "lead_id": lead["id"], "name": "Jane Doe", "title": "CTO",
        "phones": [{"phone": "+16505551234", "type": "office"}],
        "emails": [{"email": "jane@acme.test", "type": "office"}],
    })  # fmt: skip
    call = await ok("POST", "activity/call/", json={
        "lead_id": lead["id"], "contact_id": contact["id"], "direction": "outbound",
        "duration": 42, "phone": "+16505551234", "note": "Talked about rockets",
    })  # fmt: skip
    before_get()
    await client.get(f"/api/v1/activity/call/{call['id']}/")
    await ok("PUT", f"activity/call/{call['id']}/", json={"note": "Talked about *rockets*"})
    await ok("GET", "activity/call/", params={"lead_id": lead["id"]})
    await ok("GET", f"lead/{lead['id']}/")
    await ok("DELETE", f"activity/call/{call['id']}/")
    gone = await client.get(f"/api/v1/activity/call/{call['id']}/")
    assert gone.status_code == 404
    bad = await client.post("/api/v1/activity/call/", json={"direction": "sideways"})
    assert bad.status_code == 400
    return {"lead": lead["id"], "contact": contact["id"], "call": call["id"]}


SESSION_EXCHANGES = 11


class FieldRemover(BaseHTTPRequestHandler):
    """Relays to the real upstream, dropping one field from GET answers on one path prefix."""

    upstream = ""
    path_prefix = ""
    field = ""

    def _relay(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
        answer = httpx.request(self.command, self.upstream + self.path, headers=headers,
                               content=self.rfile.read(length) if length else None)  # fmt: skip
        content = answer.content
        if self.command == "GET" and self.path.startswith(self.path_prefix):
            body = answer.json()
            body.pop(self.field, None)
            content = json.dumps(body).encode()
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                    "content-encoding", "date", "server"):  # fmt: skip
                self.send_header(name, value)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = _relay

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def field_remover(upstream: LiveServer) -> Iterator[Callable[[str, str], str]]:
    """Starts a relay that removes `field` from GETs under `path_prefix`; gives its API URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(path_prefix: str, field: str) -> str:
        handler = type("Remover", (FieldRemover,), {
            "upstream": upstream.url, "path_prefix": path_prefix, "field": field,
        })  # fmt: skip
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/api/v1/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def second_database(request: pytest.FixtureRequest, database_url: str,
                    tmp_path: Path) -> Iterator[str]:  # fmt: skip
    """Another fresh database of the same backend: where a cassette is replayed later."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'replayed.db'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    url: str = databases.create()
    yield url
    databases.drop(url)
