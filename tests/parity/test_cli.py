"""`closecalls proxy` as a user runs it, with the official Close client pointed at it."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from closecalls.cli import main
from closecalls.parity.cassette import read_cassette
from closecalls.testing.admin_client import AdminClient
from closecalls.testing.proxy import running_proxy
from tests.parity.conftest import ADMIN_TOKEN
from tests.support import LiveServer


def test_the_proxy_refuses_a_plain_http_upstream_unless_allowed() -> None:
    result = CliRunner().invoke(main, ["proxy", "--upstream", "http://example.test/api/v1/"])
    assert result.exit_code == 2
    assert "--allow-http" in result.output


def test_the_closeio_client_works_through_the_proxy_and_nothing_differs(
    upstream: LiveServer, database_url: str, tmp_path: Path
) -> None:
    from closeio_api import API  # type: ignore[import-untyped]

    admin = AdminClient(upstream.url, ADMIN_TOKEN)
    organization = admin.create_organization()
    admin.close()
    cassette = tmp_path / "s.cassette"
    arguments = ("--cassette", str(cassette))
    with running_proxy(upstream.api_url, database_url, tmp_path, *arguments) as proxy:
        api = API(proxy.url + "/api/v1/", api_key=organization.api_key)
        lead = api.post("lead", data={"name": "Proxy Co"})
        call = api.post("activity/call", data={"lead_id": lead["id"], "duration": 5})
        assert api.get(f"activity/call/{call['id']}")["duration"] == 5
        # The integration got the upstream's ids: they work there directly.
        assert upstream_has(upstream, organization.api_key, f"activity/call/{call['id']}/")

        report = httpx.get(proxy.url + "/_parity/report.json",
                           headers={"authorization": f"Bearer {proxy.token}"}).json()  # fmt: skip
        assert (report["exchanges"], report["identical"]) == (3, 3), report["differences"]
    log = proxy.log
    text = cassette.read_text()
    assert organization.api_key not in text and organization.api_key not in log.read_text()
    assert len(list(read_cassette(cassette)[1])) == 3


def upstream_has(upstream: LiveServer, api_key: str, path: str) -> bool:
    answer = httpx.get(upstream.api_url + path, auth=(api_key, ""))
    return answer.status_code == 200
