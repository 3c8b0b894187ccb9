"""Bulk import and export: rows per second, against logging the same rows one POST at a time.

Run: .venv/bin/python -m bench.import_export [--calls 1000000] [--baseline 2000]

Writes N calls to a CSV file in Close's columns (the mix a dialer logs: direction, status,
duration, one of 20,000 numbers, a note on every fourth), then, each on a fresh SQLite
database, times `closecalls import` of the file and `closecalls export` of every call to
CSV and to JSON Lines, as a user would run them (wall clock, process start included).
The baseline, measured in the same run, POSTs the first `--baseline` rows one request at
a time to a real server over HTTP: what loading them through the API costs.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from closecalls import accounts
from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.testing.server import LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
CALLS = "/api/v1/activity/call/"
COLUMNS = ("id", "direction", "status", "duration", "phone", "note", "date_created")
START = datetime(2025, 1, 1, tzinfo=UTC)
NUMBERS = 20_000


def rows(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` calls over a year, as a provider's export would list them."""
    rng = random.Random(seed)
    step = 365 * 86_400 / max(count, 1)
    return [
        {
            "id": f"CA{n:010d}",
            "direction": rng.choice(("inbound", "outbound")),
            "status": rng.choice(("completed", "completed", "no-answer", "busy")),
            "duration": rng.randrange(0, 1800),
            "phone": f"+1650{rng.randrange(NUMBERS):07d}",
            "note": "Left a voicemail about the renewal." if n % 4 == 0 else "",
            "date_created": (START + timedelta(seconds=n * step)).isoformat(),
        }
        for n in range(count)
    ]


def write_csv(path: Path, calls: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as output:
        writer = csv.DictWriter(output, COLUMNS)
        writer.writeheader()
        writer.writerows(calls)


def fresh_database(path: Path) -> str:
    """An empty SQLite database with its first organization, as `serve` leaves it."""
    url = f"sqlite:///{path}"

    async def boot() -> None:
        store = create_store(Settings.load({"database": url}, environ={}))
        await store.open()
        await accounts.bootstrap(
            store, clock=SystemClock(), ids=IdSource(SystemClock()), api_key=KEY
        )
        await store.close()

    asyncio.run(boot())
    return url


def timed_command(*arguments: str) -> float:
    """Seconds `closecalls ARGUMENTS` takes, start to exit."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "closecalls", *arguments],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"closecalls {' '.join(arguments)} failed: {done.stderr}")
    return elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="rows POSTed one at a time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder:
        workdir = Path(folder)
        calls = rows(args.calls, args.seed)
        source = workdir / "calls.csv"
        write_csv(source, calls)
        base_rows = min(args.baseline, args.calls)
        base_seconds = baseline(workdir, calls[:base_rows])
        database = fresh_database(workdir / "bulk.db")
        figures = [("baseline: one POST per call over HTTP", base_rows, base_seconds)]
        figures.append(
            ("closecalls import (CSV)", args.calls,
             timed_command("import", str(source), "--database", database))
        )  # fmt: skip
        for file_format in ("csv", "jsonl"):
            output = workdir / f"export.{file_format}"
            figures.append(
                (f"closecalls export ({file_format.upper()})", args.calls,
                 timed_command("export", "--database", database, "-o", str(output)))
            )  # fmt: skip
    base_rate = base_rows / base_seconds
    print(f"calls: {args.calls:,} (baseline: the first {base_rows:,})")
    print(f"\n{'scenario':<42} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'x baseline':>11}")
    for name, count, seconds in figures:
        rate = count / seconds
        print(f"{name:<42} {count:>10,} {seconds:>9.2f} {rate:>10,.0f} {rate / base_rate:>10.1f}x")
    print("\nbaseline: one POST per call over HTTP")


if __name__ == "__main__":
    main()
