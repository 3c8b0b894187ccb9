"""`closecalls import` and `closecalls export` as commands, on both backends."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from closecalls import accounts
from closecalls.app import build_app
from closecalls.cli import main
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.testing.postgres import ScratchDatabases
from tests.support import stored_activity_count

# What differs between two databases holding the same calls: their ids, organization,
# users, and when each call was written.
PER_DATABASE = ("id", "organization_id", "user_id", "user_name", "created_by", "created_by_name",
                "updated_by", "updated_by_name", "date_updated")  # fmt: skip


def boot(url: str) -> str:
    """A database after its first start: an organization with its first user."""

    async def run() -> None:
        store = create_store(Settings.load({"database": url}, environ={}))
        await store.open()
        await accounts.bootstrap(store, clock=SystemClock(), ids=IdSource(SystemClock()))
        await store.close()

    asyncio.run(run())
    return url


@pytest.fixture
def database(database_url: str) -> str:
    return boot(database_url)


@pytest.fixture
def fresh_database(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[str]:
    """A second database of the same backend."""
    if database_url.startswith("sqlite"):
        yield boot(f"sqlite:///{tmp_path / 'fresh.db'}")
        return
    databases: ScratchDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield boot(url)
    databases.drop(url)


def invoke(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def sample_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"ext{n}", "direction": ("inbound", "outbound")[n % 2], "duration": n % 3600,
         "status": ("completed", "no-answer", "busy")[n % 3], "phone": f"+1650555{n % 10000:04d}",
         "note": f"call {n}\nsecond line" if n % 4 else f"<b>{n}</b>",
         "note_html": f"<body><b>{n}</b></body>" if n % 4 == 0 else None,
         "custom_fields": {"n": n, "tag": "x"} if n % 5 == 0 else None,
         "recording_url": f"https://rec.example.com/{n}.mp3" if n % 7 == 0 else None,
         "date_created": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00",
         "activity_at": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:30:00+00:00"}
        for n in range(count)
    ]  # fmt: skip


def comparable(path: Path) -> list[dict[str, Any]]:
    calls = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: v for k, v in call.items() if k not in PER_DATABASE} for call in calls]


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_export_then_import_into_a_fresh_database_yields_identical_calls(
    database: str, fresh_database: str, tmp_path: Path, file_format: str
) -> None:
    source = write_lines(tmp_path / "source.jsonl", sample_rows(300))
    invoke("import", str(source), "--database", database)
    exported = tmp_path / f"calls.{file_format}"
    assert "exported 300 calls" in invoke("export", "--database", database, "-o", str(exported))
    report = invoke("import", str(exported), "--database", fresh_database, "--batch", "64")
    assert "imported 300, skipped 0 imported before, repeated 0" in report
    assert "failed 0" in report
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    invoke("export", "--database", database, "-o", str(first))
    invoke("export", "--database", fresh_database, "-o", str(second))
    assert comparable(second) == comparable(first)
    assert len(comparable(first)) == 300


def test_an_import_killed_halfway_resumes_and_loads_every_row_once(
    database: str, tmp_path: Path
) -> None:
    total, batch = 20_000, 300
    source = write_lines(tmp_path / "big.jsonl", sample_rows(total))
    command = [sys.executable, "-m", "closecalls", "import", str(source), "--database", database,
               "--batch", str(batch), "--workers", "2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while stored_activity_count(database) < 2 * batch:
            assert process.poll() is None, "the import finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        workers = children(process.pid)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=20)
    assert workers, "the import validates in worker processes"
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "worker processes outlived the killed import"
        time.sleep(0.1)
    loaded = stored_activity_count(database)
    assert 0 < loaded < total
    assert loaded % batch == 0  # whole batches only: each is one transaction
    report = invoke("import", str(source), "--database", database, "--batch", str(batch))
    assert f"imported {total - loaded:,}, skipped {loaded:,} imported before" in report
    assert stored_activity_count(database) == total
    exported = tmp_path / "all.jsonl"
    invoke("export", "--database", database, "-o", str(exported))
    notes = [call["note"] for call in comparable(exported)]
    assert len(set(notes)) == total


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def test_bad_rows_go_to_the_error_file_good_rows_load_and_the_exit_status_says_so(
    database: str, tmp_path: Path
) -> None:
    source = tmp_path / "calls.csv"
    source.write_text("id,duration,phone\n1,10,+16505551234\n2,ten,+16505551234\n3,5,not-a-phone\n")
    result = CliRunner().invoke(main, ["import", str(source), "--database", database])
    assert result.exit_code == 1
    assert "imported 1, skipped 0 imported before, repeated 0" in result.output
    assert "failed 2" in result.output
    assert "Error: 2 of 3 rows failed, more than --max-failures 0 allows" in result.output
    errors = (tmp_path / "calls.csv.errors.csv").read_text().splitlines()
    assert errors == ["row,field,message", "3,duration,Value must be of int type.",
                      "4,phone,Invalid phone number."]  # fmt: skip
    # Loaded rows are skipped the second time; the threshold accepts the two failures.
    again = invoke("import", str(source), "--database", database, "--max-failures", "70%")
    assert "skipped 1 imported before" in again and "failed 2" in again
    assert "skipped 1" in invoke("import", str(source), "--database", database,
                                 "--max-failures", "2")  # fmt: skip
    refused = CliRunner().invoke(
        main, ["import", str(source), "--database", database, "--max-failures", "lots"]
    )
    assert refused.exit_code == 2 and "--max-failures takes" in refused.output


TWILIO_HEADER = "sid,date_created,direction,from,to,status,start_time,duration\n"
TWILIO_ROW = 'CA{n},"Tue, 31 Aug 2010 20:36:28 +0000",{direction},+14155550100,+16505551234,\
completed,"Tue, 31 Aug 2010 20:36:28 +0000",{n}\n'


def test_a_twilio_export_is_recognised_by_its_columns(database: str, tmp_path: Path) -> None:
    source = tmp_path / "twilio.csv"
    source.write_text(TWILIO_HEADER + "".join(
        TWILIO_ROW.format(n=n, direction=("inbound", "outbound-api")[n % 2]) for n in range(4)
    ))  # fmt: skip
    result = CliRunner().invoke(main, ["import", str(source), "--database", database])
    assert result.exit_code == 0, result.output
    assert "the columns are twilio's (--mapping twilio)" in result.output
    assert "imported 4," in result.output
    exported = tmp_path / "out.jsonl"
    invoke("export", "--database", database, "-o", str(exported))
    calls = [json.loads(line) for line in exported.read_text().splitlines()]
    assert {call["phone"] for call in calls} == {"+14155550100", "+16505551234"}
    assert {call["date_created"] for call in calls} == {"2010-08-31T20:36:28.000000+00:00"}


def test_an_unknown_direction_is_a_row_error_with_closes_message(
    database: str, tmp_path: Path
) -> None:
    source = tmp_path / "twilio.csv"
    source.write_text(
        TWILIO_HEADER + TWILIO_ROW.format(n=1, direction="trunking-originating")
        + TWILIO_ROW.format(n=2, direction="inbound")
    )  # fmt: skip
    result = CliRunner().invoke(main, ["import", str(source), "--database", database])
    assert result.exit_code == 1
    assert "imported 1," in result.output and "failed 1" in result.output
    errors = (tmp_path / "twilio.csv.errors.csv").read_text().splitlines()
    assert errors[1:] == ["2,direction,Not a valid choice."]


def test_a_file_whose_columns_match_nothing_is_refused(database: str, tmp_path: Path) -> None:
    source = tmp_path / "mystery.csv"
    source.write_text("Caller,Callee,Length\n+16505551234,+14155550100,30\n")
    result = CliRunner().invoke(main, ["import", str(source), "--database", database])
    assert result.exit_code == 2
    assert "match no export closecalls knows" in result.output
    assert stored_activity_count(database) == 0
    # Named with --map, the same file loads.
    mapped = invoke("import", str(source), "--database", database,
                    "--map", "phone=Callee,duration=Length")  # fmt: skip
    assert "imported 1," in mapped


def test_a_mapping_whose_columns_the_file_lacks_is_refused(database: str, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "close.jsonl", sample_rows(3))
    result = CliRunner().invoke(
        main, ["import", str(source), "--database", database, "--mapping", "twilio"]
    )
    assert result.exit_code == 2
    assert "--mapping twilio: the file has no from, sid, to column" in result.output
    assert stored_activity_count(database) == 0


def test_rows_repeated_in_one_file_are_reported_as_such(database: str, tmp_path: Path) -> None:
    rows = sample_rows(3)
    source = write_lines(tmp_path / "calls.jsonl", [*rows, rows[1], rows[1]])
    output = invoke("import", str(source), "--database", database)
    assert "imported 3, skipped 0 imported before, repeated 2" in output
    assert "failed 0" in output
    errors = (tmp_path / "calls.jsonl.errors.csv").read_text().splitlines()
    assert errors[1:] == [
        "4,(repeated),the same call as row 2: not loaded",
        "5,(repeated),the same call as row 2: not loaded",
    ]


@pytest.mark.parametrize("name", ["foo", "_limit", "_fields", "phone"])
def test_export_refuses_filters_it_does_not_know(database: str, name: str) -> None:
    result = CliRunner().invoke(main, ["export", "--database", database, "--filter", f"{name}=1"])
    assert result.exit_code == 2
    assert f"export does not know {name}" in result.output


def test_export_filters_as_the_list_api_does(database: str, tmp_path: Path) -> None:
    invoke("import", str(write_lines(tmp_path / "s.jsonl", sample_rows(200))), "--database",
           database)  # fmt: skip
    filters = {"date_created__gte": "2025-03-01", "date_created__lt": "2025-06-01",
               "_order_by": "-activity_at"}  # fmt: skip
    exported = tmp_path / "window.jsonl"
    invoke("export", "--database", database, "-o", str(exported),
           *[f"--filter={name}={value}" for name, value in filters.items()])  # fmt: skip
    ids = [json.loads(line)["id"] for line in exported.read_text().splitlines()]
    assert ids == list_ids(database, filters)
    assert 0 < len(ids) < 200


def list_ids(database: str, filters: dict[str, str]) -> list[str]:
    """Every id the list API gives for these filters, page by page."""

    async def run() -> list[str]:
        app = build_app(Settings.load({"database": database}, environ={}))
        await app.startup()
        try:
            key = await accounts.create_api_key(
                app.services.store, user=await owner(app), clock=SystemClock()
            )
            transport = httpx.ASGITransport(app=app)
            ids: list[str] = []
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", auth=(key, "")
            ) as client:
                while True:
                    page = await client.get(
                        "/api/v1/activity/call/", params={**filters, "_skip": len(ids)}
                    )
                    ids += [call["id"] for call in page.json()["data"]]
                    if not page.json()["has_more"]:
                        return ids
        finally:
            await app.shutdown()

    return asyncio.run(run())


async def owner(app: Any) -> Any:
    organization = await app.services.store.first_organization()
    return await app.services.store.organization_owner(organization.id)


def test_import_refuses_an_unknown_format_and_a_bad_map(database: str, tmp_path: Path) -> None:
    source = tmp_path / "calls.txt"
    source.write_text("x\n")
    result = CliRunner().invoke(main, ["import", str(source), "--database", database])
    assert result.exit_code == 2
    assert "--format" in result.output
    result = CliRunner().invoke(
        main, ["import", str(source), "--format", "csv", "--map", "bogus=x", "--database", database]
    )
    assert result.exit_code == 2
    assert "bogus" in result.output
