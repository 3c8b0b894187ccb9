"""Bulk import and export: rows per second, against logging the same rows one POST at a time.

Run: .venv/bin/python -m bench.import_export [--calls 1000000] [--baseline 2000]
         [--rounds 1] [--against OTHER/src] [--postgres [URL]]

Writes N calls to a CSV file in Close's columns (the mix a dialer logs: direction, status,
duration, one of 20,000 numbers, a note on every fourth), then, each on a fresh SQLite
database, times `closecalls import` of the file and `closecalls export` of every call to
CSV and to JSON Lines, as a user would run them (wall clock, process start included), with
the CPU time the command and its worker processes took and its peak RSS.
The baseline, measured in the same run, POSTs the first `--baseline` rows one request at
a time to a real server over HTTP: what loading them through the API costs.

`--rounds` repeats the commands and prints medians. `--against` also runs them with another
checkout's `src` first on the module path (the tree before a change), in alternating order
(A B B A ...), so that a noisy neighbour hurts both alike; each line then says which.
`--postgres` runs them on PostgreSQL too: a throwaway cluster started here (fsync on), or
the superuser URL given.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import httpx

from closecalls import accounts
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.testing.postgres import ScratchDatabases
from closecalls.testing.server import LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
CALLS = "/api/v1/activity/call/"
COLUMNS = ("id", "direction", "status", "duration", "phone", "note", "date_created")
START = datetime(2025, 1, 1, tzinfo=UTC)
NUMBERS = 20_000


def rows(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """`count` calls over a year, as a provider's export would list them, one at a time: the
    bench's own memory is every command's floor of peak RSS (a child's high-water mark
    starts at its parent's)."""
    rng = random.Random(seed)
    step = 365 * 86_400 / max(count, 1)
    for n in range(count):
        yield {
            "id": f"CA{n:010d}",
            "direction": rng.choice(("inbound", "outbound")),
            "status": rng.choice(("completed", "completed", "no-answer", "busy")),
            "duration": rng.randrange(0, 1800),
            "phone": f"+1650{rng.randrange(NUMBERS):07d}",
            "note": "Left a voicemail about the renewal." if n % 4 == 0 else "",
            "date_created": (START + timedelta(seconds=n * step)).isoformat(),
        }


def write_csv(path: Path, calls: Iterable[dict[str, Any]]) -> None:
    with path.open("w", newline="") as output:
        writer = csv.DictWriter(output, COLUMNS)
        writer.writeheader()
        writer.writerows(calls)


def bootstrap(url: str) -> str:
    """The database at `url` with its first organization, as `serve` leaves it."""

    async def boot() -> None:
        store = create_store(Settings.load({"database": url}, environ={}))
        await store.open()
        await accounts.bootstrap(
            store, clock=SystemClock(), ids=IdSource(SystemClock()), api_key=KEY
        )
        await store.close()

    asyncio.run(boot())
    return url


def fresh_database(path: Path) -> str:
    """An empty SQLite database with its first organization."""
    return bootstrap(f"sqlite:///{path}")


@dataclass(frozen=True, slots=True)
class Timed:
    """One command's run: wall seconds, CPU seconds (its workers included), peak RSS."""

    seconds: float
    cpu: float
    rss_mb: float


def timed_command(*arguments: str, source: str | None = None) -> Timed:
    """What `closecalls ARGUMENTS` takes, start to exit (`source`: the tree to run)."""
    environment = dict(os.environ)
    if source is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [source, *filter(None, [environment.get("PYTHONPATH")])]
        )
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "closecalls", *arguments],
            stdout=subprocess.DEVNULL, stderr=errors, env=environment,
        )  # fmt: skip
        # wait4, not wait: its usage covers this command and the workers it waited for.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"closecalls {' '.join(arguments)} failed: {errors.read()!r}")
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Timed(elapsed, usage.ru_utime + usage.ru_stime, rss_mb)


def baseline(workdir: Path, calls: list[dict[str, Any]]) -> float:
    """Seconds to POST each call, one request after another, to a real server."""
    database = fresh_database(workdir / "baseline.db")
    # Rate limits off: the baseline measures a create's cost, and Close's 320 requests a key
    # per window would refuse it (429) long before --baseline rows.
    server = LiveServer(database, KEY, workdir, arguments=("--rate-limits", "off"))
    server.start()
    try:
        with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=60) as client:
            started = time.perf_counter()
            for call in calls:
                body = {key: value for key, value in call.items() if key != "id" and value != ""}
                client.post(CALLS, json=body).raise_for_status()
            return time.perf_counter() - started
    finally:
        server.stop()


@contextmanager
def postgres_databases(url: str | None) -> Iterator[ScratchDatabases]:
    """Fresh PostgreSQL databases: on the server `url` names, or a throwaway cluster."""
    from bench.backends import postgres_admin

    with postgres_admin(url) as admin_url:
        databases = ScratchDatabases(admin_url)
        databases.setup()
        try:
            yield databases
        finally:
            databases.teardown()


def run_commands(database: str, source_file: Path, workdir: Path, tree: str | None) -> list[Timed]:
    """Import the file into `database`, then export every call to CSV and to JSON Lines."""
    figures = [timed_command("import", str(source_file), "--database", database, source=tree)]
    for file_format in ("csv", "jsonl"):
        output = workdir / f"export.{file_format}"
        figures.append(
            timed_command("export", "--database", database, "-o", str(output), source=tree)
        )
    return figures


SCENARIOS = ("closecalls import (CSV)", "closecalls export (CSV)", "closecalls export (JSONL)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="rows POSTed one at a time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each command (medians)")
    parser.add_argument("--against", default=None, help="another checkout's src directory")
    parser.add_argument(
        "--postgres", nargs="?", const="", default=None, help="also PostgreSQL (a superuser URL)"
    )
    args = parser.parse_args()
    trees: list[tuple[str, str | None]] = [("", None)]
    if args.against:
        trees = [("this tree", None), ("against", str(Path(args.against).resolve()))]

    with (
        tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder,
        postgres_databases(args.postgres or None)
        if args.postgres is not None
        else nullcontext() as postgres,
    ):
        workdir = Path(folder)
        source = workdir / "calls.csv"
        write_csv(source, rows(args.calls, args.seed))
        base_rows = min(args.baseline, args.calls)
        base_seconds = baseline(workdir, list(islice(rows(args.calls, args.seed), base_rows)))
        backends = ["SQLite"] + (["PostgreSQL"] if postgres is not None else [])
        runs: dict[tuple[str, str], list[list[Timed]]] = {}
        for round_number in range(args.rounds):
            # A B, then B A: the order alternates, so neither tree always runs first.
            ordered = trees if round_number % 2 == 0 else trees[::-1]
            for backend in backends:
                for label, tree in ordered:
                    if backend == "SQLite":
                        database = fresh_database(workdir / f"bulk-{round_number}-{label}.db")
                    else:
                        assert postgres is not None
                        database = bootstrap(postgres.create())
                    runs.setdefault((backend, label), []).append(
                        run_commands(database, source, workdir, tree)
                    )
                    if backend == "SQLite":
                        Path(database.removeprefix("sqlite:///")).unlink()
    base_rate = base_rows / base_seconds
    print(f"calls: {args.calls:,} (baseline: the first {base_rows:,}); "
          f"median of {args.rounds} round{'s' if args.rounds > 1 else ''}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(
        f"\n{'scenario':<52} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'x baseline':>10} "
        f"{'CPU s':>7} {'CPU us/row':>10} {'peak RSS MB':>11}"
    )
    print(f"{'baseline: one POST per call over HTTP':<52} {base_rows:>10,} {base_seconds:>8.2f} "
          f"{base_rate:>9,.0f} {1:>9.1f}x")  # fmt: skip
    for (backend, label), measured in runs.items():
        for index, scenario in enumerate(SCENARIOS):
            seconds = statistics.median(run[index].seconds for run in measured)
            cpu = statistics.median(run[index].cpu for run in measured)
            rss = max(run[index].rss_mb for run in measured)
            name = f"{scenario}, {backend}" + (f", {label}" if label else "")
            rate = args.calls / seconds
            print(
                f"{name:<52} {args.calls:>10,} {seconds:>8.2f} {rate:>9,.0f} "
                f"{rate / base_rate:>9.1f}x {cpu:>7.2f} {1e6 * cpu / args.calls:>10.1f} "
                f"{rss:>11.0f}"
            )
    print("\nbaseline: one POST per call over HTTP")


if __name__ == "__main__":
    main()
