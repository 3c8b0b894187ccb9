"""`closecalls serve --admin --seed FILE`: a printed admin token and a seeded first start."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from closecalls.cli import main
from tests.support import LiveServer

KEY = "api_seedseedseedseedseed00.seedseedseedseedseedse00"
SEED = """
outcomes:
  - {$name: booked, name: Demo booked}
leads:
  - {$name: acme, name: Acme, contacts: [{$name: ann, name: Ann}]}
calls:
  - {contact_id: {$ref: ann}, outcome_id: {$ref: booked}, note: Seeded}
"""


def admin_token(server: LiveServer) -> str:
    found = re.findall(r"admin token: (\S+)", server.output.read_text())
    assert found, server.output.read_text()
    return found[-1]


def test_serve_seeds_an_empty_database_once_and_prints_an_admin_token(
    database_url: str, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    server = LiveServer(database_url, KEY, tmp_path, arguments=("--admin", "--seed", str(seed)))
    for start in range(2):
        server.start()
        try:
            with server.client() as http:
                calls = http.get("/api/v1/activity/call/").json()["data"]
                organization = http.get("/api/v1/me/").json()["organizations"][0]["id"]
                token = admin_token(server)
                state = http.get(
                    f"/_closecalls/organizations/{organization}/",
                    headers={"authorization": f"Bearer {token}"},
                    auth=None,
                )
        finally:
            server.stop()
        # The second start finds the data there and does not load the file again.
        assert [call["note"] for call in calls] == ["Seeded"], start
        assert state.status_code == 200
        assert state.json()["id"] == organization
    assert "not loaded again" in server.output.read_text()


def test_serve_refuses_a_bad_seed_file_and_loose_mode_without_admin(
    database_url: str, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"calls": [{"duration": "long"}]}')
    refused = CliRunner().invoke(main, ["serve", "--database", database_url, "--seed", str(seed)])
    assert refused.exit_code == 1
    assert "calls[0]: duration" in refused.output
    loose = CliRunner().invoke(main, ["serve", "--database", database_url, "--mode", "loose"])
    assert loose.exit_code == 2
    assert "admin_token" in loose.output
