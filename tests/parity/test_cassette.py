"""Cassettes: recorded without credentials, redacted on request, replayed later by the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner, Result

from closecalls.cli import main
from closecalls.parity.cassette import CassetteWriter, read_cassette
from tests.parity.conftest import SESSION_EXCHANGES, ParityFactory, session
from tests.support import LiveServer


async def replay(cassette: Path, database: str, *more: str) -> Result:
    # On a thread: the command runs an event loop of its own.
    arguments = ["replay", str(cassette), "--database", database, *more]
    return await asyncio.to_thread(CliRunner().invoke, main, arguments)


async def test_a_redacted_session_replays_identically_later(
    upstream: LiveServer, parity_for: ParityFactory, second_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "session.cassette"
    writer = CassetteWriter(path, upstream=upstream.api_url, redact_personal=True)
    parity = await parity_for(upstream, cassette=writer)
    await session(parity.client)
    writer.close()

    text = path.read_text()
    for secret in (parity.organization.api_key, "jane@acme.test", "Jane", "Rockets", "5551234"):
        assert secret not in text
    header, exchanges = read_cassette(path)
    assert header["redacted"] is True
    assert len(list(exchanges)) == SESSION_EXCHANGES

    result = await replay(path, second_database, "--report", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.output
    assert f"{SESSION_EXCHANGES} of {SESSION_EXCHANGES} exchanges identical" in result.output
    assert json.loads((tmp_path / "report.json").read_text())["differences"] == []


async def test_a_difference_found_once_is_found_again_on_replay(
    upstream: LiveServer, parity_for: ParityFactory, second_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "fault.cassette"
    writer = CassetteWriter(path, upstream=upstream.api_url, redact_personal=False)
    parity = await parity_for(upstream, cassette=writer)
    fault = parity.organization.fault
    await session(parity.client, before_get=lambda: fault("GET", "/api/v1/activity/call/*",
                                                          status=503))  # fmt: skip
    writer.close()
    assert parity.organization.api_key not in path.read_text()

    result = await replay(path, second_database, "--report", str(tmp_path / "report.json"))
    assert result.exit_code == 1, result.output
    (differing,) = json.loads((tmp_path / "report.json").read_text())["differences"]
    assert differing["endpoint"] == "/activity/call/{id}/"
    assert differing["differences"][0] == {
        "where": "status",
        "kind": "value",
        "upstream": 503,
        "local": 200,
    }


def test_replay_refuses_a_file_that_is_not_a_cassette(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    result = CliRunner().invoke(main, ["replay", str(path), "--database", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert "is not a version 1 closecalls cassette" in result.output
