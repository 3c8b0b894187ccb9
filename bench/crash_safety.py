"""Crash safety: concurrent creates and updates while the server is SIGKILLed and restarted.

Run: .venv/bin/python -m bench.crash_safety [--backend sqlite|postgresql] [--kills 5]
                                             [--writers 4] [--seconds 20] [--seed 1]
                                             [--synchronous FULL] [--postgres URL]

Writer processes (each with its own connection) create calls and update their own calls
in a closed loop, logging every request before it is sent and every answer after. The
server (`closecalls serve`) is killed with SIGKILL at `--kills` random moments and started
again on the same database. Afterwards every call is read back and checked:

- a create answered 200 must be stored, and exactly as answered unless a later update of
  it was sent;
- an update carries a unique `note` (call id + sequence number) and a call's updates are
  sent one at a time, in sequence. The stored call must be exactly the answer of its last
  acknowledged update (or create), or carry the note of an update sent *after* that one
  whose answer was lost to a kill (the write may have committed before the kill);
- no call is stored twice and every stored call is one a writer sent;
- SQLite passes `PRAGMA integrity_check`; on PostgreSQL a sequential and an index scan of
  every organization's calls agree.

A lost write is an acknowledged one that fails these checks; it must be 0. Only the
closecalls server is killed: PostgreSQL's own crash safety is PostgreSQL's
(synchronous_commit=on, fsync=on in the durable cluster this script starts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import signal
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from closecalls.store import sqlite_path
from closecalls.store.postgres_driver import is_postgres_url
from closecalls.testing.postgres import each_tenant
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_crashcrashcrashcrash00.crashcrashcrashcrash00"
CALLS = "/api/v1/activity/call/"


@dataclass
class Report:
    """What a crash-safety run sent, what was acknowledged and what was lost."""

    kills: int = 0
    sent: int = 0
    acknowledged_creates: int = 0
    acknowledged_updates: int = 0
    unanswered: int = 0
    error_answers: int = 0
    lost: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    integrity: str = "not checked"

    @property
    def acknowledged(self) -> int:
        return self.acknowledged_creates + self.acknowledged_updates

    def lines(self) -> list[str]:
        return [
            f"kills (SIGKILL + restart)  {self.kills}",
            f"requests sent              {self.sent}",
            f"acknowledged writes        {self.acknowledged} "
            f"({self.acknowledged_creates} creates, {self.acknowledged_updates} updates)",
            f"unanswered (killed)        {self.unanswered}",
            f"non-200 answers            {self.error_answers}",
            f"unexpected stored calls    {len(self.unexpected)}",
            f"integrity check            {self.integrity}",
            f"lost                       {len(self.lost)}",
        ]


def _writer(index: int, url: str, log_path: str, stop: Any, seed: int) -> None:
    """Create and update calls until `stop` is set, logging each request and answer."""
    chance = random.Random(seed * 1000 + index)
    mine: dict[str, int] = {}
    creates = 0
    with (
        open(log_path, "a", buffering=1) as log,
        httpx.Client(base_url=url, auth=(KEY, ""), timeout=10) as client,
    ):
        while not stop.is_set():
            if not mine or chance.random() < 0.4:
                creates += 1
                token = f"w{index}-create-{creates}"
                log.write(json.dumps({"sent": "create", "token": token}) + "\n")
                method, path, body = "POST", CALLS, {"direction": "outbound", "note": token}
            else:
                call_id = chance.choice(list(mine))
                mine[call_id] += 1
                token = f"{call_id}:{mine[call_id]}"
                log.write(
                    json.dumps({"sent": "update", "id": call_id, "seq": mine[call_id]}) + "\n"
                )
                method, path, body = "PUT", f"{CALLS}{call_id}/", {"note": token}
            try:
                answer = client.request(method, path, json=body)
            except httpx.TransportError:
                log.write(json.dumps({"unanswered": token}) + "\n")
                time.sleep(0.1)
                continue
            if answer.status_code != 200:
                log.write(json.dumps({"status": answer.status_code, "token": token}) + "\n")
                continue
            stored = answer.json()
            if method == "POST":
                mine[stored["id"]] = 0
                log.write(json.dumps({"created": stored}) + "\n")
            else:
                log.write(json.dumps({"updated": stored, "seq": mine[stored["id"]]}) + "\n")


@dataclass
class Expectation:
    """One call as the writers saw it: its last acknowledged body and later sent updates."""

    body: dict[str, Any]
    acknowledged_seq: int = 0
    sent_after: set[int] = field(default_factory=set)


def _read_logs(paths: list[Path], report: Report) -> tuple[dict[str, Expectation], set[str]]:
    """Each acknowledged call's expectation, and every note a writer sent."""
    expected: dict[str, Expectation] = {}
    notes: set[str] = set()
    for path in paths:
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if "sent" in entry:
                report.sent += 1
                if entry["sent"] == "create":
                    notes.add(entry["token"])
                else:
                    notes.add(f"{entry['id']}:{entry['seq']}")
                    if entry["id"] in expected:
                        expected[entry["id"]].sent_after.add(entry["seq"])
            elif "unanswered" in entry:
                report.unanswered += 1
            elif "status" in entry:
                report.error_answers += 1
            elif "created" in entry:
                report.acknowledged_creates += 1
                expected[entry["created"]["id"]] = Expectation(entry["created"])
            elif "updated" in entry:
                report.acknowledged_updates += 1
                call = expected[entry["updated"]["id"]]
                call.body, call.acknowledged_seq = entry["updated"], entry["seq"]
                call.sent_after = {seq for seq in call.sent_after if seq > entry["seq"]}
    return expected, notes


def _verify(
    server: LiveServer, expected: dict[str, Expectation], notes: set[str], report: Report
) -> None:
    """Compare every stored call with what the writers were told."""
    stored: dict[str, dict[str, Any]] = {}
    with server.client() as client:
        skip = 0
        while True:
            page = client.get(CALLS, params={"_limit": 100, "_skip": skip}).json()
            for call in page["data"]:
                if call["id"] in stored:
                    report.unexpected.append(f"{call['id']} listed twice")
                stored[call["id"]] = call
            if not page["has_more"]:
                break
            skip += 100
    for call in stored.values():
        if call.get("note") not in notes:
            report.unexpected.append(
                f"{call['id']} has a note no writer sent: {call.get('note')!r}"
            )
    for call_id, want in expected.items():
        have = stored.get(call_id)
        if have is None:
            report.lost.append(f"{call_id}: acknowledged, not stored")
        elif have != want.body:
            note = have.get("note") or ""
            seq = int(note.rsplit(":", 1)[1]) if note.startswith(f"{call_id}:") else -1
            if seq not in want.sent_after:
                report.lost.append(
                    f"{call_id}: stored {note!r}, acknowledged {want.body.get('note')!r}"
                )


def check_integrity(database: str) -> str:
    """'ok', or what the database's own consistency check found."""
    if not is_postgres_url(database):
        with sqlite3.connect(sqlite_path(database)) as connection:
            rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        return "ok" if rows == ["ok"] else "; ".join(rows)
    return asyncio.run(_postgres_scans_agree(database))


async def _postgres_scans_agree(url: str) -> str:
    """'ok' when a sequential and an index scan see the same calls in every organization."""
    found = "ok"
    async for organization_id, connection in each_tenant(url):
        scans = []
        # Only the planner's choices change, not the organization this scope set.
        for index_scans, sequential in (("off", "on"), ("on", "off")):
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                await connection.execute(f"SET LOCAL {setting} = {index_scans}")
            await connection.execute(f"SET LOCAL enable_seqscan = {sequential}")
            scans.append(await connection.fetch("SELECT id FROM activity ORDER BY id"))
        if scans[0] != scans[1] and found == "ok":
            found = f"organization {organization_id}: scans disagree"
    return found


def run(
    database: str,
    workdir: Path,
    *,
    kills: int,
    writers: int,
    seconds: float,
    seed: int,
    synchronous: str = "FULL",
) -> Report:
    """Write from `writers` processes for `seconds`, killing the server `kills` times."""
    chance = random.Random(seed)
    environment = {**UNLIMITED, "CLOSECALLS_SQLITE_SYNCHRONOUS": synchronous}
    server = LiveServer(database, KEY, workdir, environment=environment)
    server.start()
    report = Report()
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    logs = [workdir / f"writer-{n}.jsonl" for n in range(writers)]
    processes = [
        context.Process(target=_writer, args=(n, server.url, str(logs[n]), stop, seed), daemon=True)
        for n in range(writers)
    ]
    try:
        for process in processes:
            process.start()
        # Kill moments: random, spread over the run, never two at once.
        moments = sorted(chance.uniform(0.1, 1.0) * seconds for _ in range(kills))
        started = time.monotonic()
        for moment in moments:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            server.stop(signal.SIGKILL)
            report.kills += 1
            server.start()
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        stop.set()
        for process in processes:
            process.join(timeout=30)
        expected, notes = _read_logs(logs, report)
        _verify(server, expected, notes, report)
    finally:
        stop.set()
        for process in processes:
            if process.is_alive():
                process.kill()
        if server.process is not None:
            server.stop()
    report.integrity = check_integrity(database)
    return report


@contextmanager
def _database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """A fresh database of the chosen backend."""
    if args.backend == "sqlite":
        yield f"sqlite:///{workdir / 'crash.db'}"
        return
    from bench.backends import postgres_admin
    from closecalls.testing.postgres import ScratchDatabases

    with postgres_admin(args.postgres) as admin_url:
        databases = ScratchDatabases(admin_url)
        databases.setup()
        try:
            yield databases.create()
        finally:
            databases.teardown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synchronous", default="FULL", help="SQLite's synchronous mode")
    parser.add_argument("--postgres", help="a PostgreSQL superuser's URL (default: start one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _database(args, Path(folder)) as database:
        report = run(
            database, Path(folder), kills=args.kills, writers=args.writers,
            seconds=args.seconds, seed=args.seed, synchronous=args.synchronous,
        )  # fmt: skip
    name = "SQLite synchronous=" + args.synchronous if args.backend == "sqlite" else "PostgreSQL"
    print(f"crash safety, {name}, {args.writers} writers, {args.seconds:g} s, seed {args.seed}")
    for line in report.lines():
        print("  " + line)
    for problem in report.lost + report.unexpected:
        print("  ! " + problem)
    if report.lost or report.unexpected or report.integrity != "ok":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
