"""Create and list throughput on SQLite, PostgreSQL with one worker and with two workers.

Run: .venv/bin/python -m bench.backends [--seconds 3] [--rounds 3] [--connections 32]
                                         [--postgres URL]

Each variant gets a database and a real server (`closecalls serve`), then load from
separate processes (bench/load.py): POSTs of a 15-field call for `--seconds`, then GETs of
the newest 100 calls for as long. The variants take turns for `--rounds` rounds, so that
a noisy neighbour hurts them alike, and each figure is the round with the median
throughput. The baseline, measured in the same run, is SQLite in one process.
PostgreSQL is a throwaway cluster started here, on disk, with fsync and synchronous commit
on (the promise SQLite's synchronous=FULL makes), unless `--postgres` names a server (a
superuser's URL: the bench makes its own role and databases there).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from bench.load import LoadResult, http_request, run_load
from closecalls.testing.postgres import ScratchDatabases, TemporaryPostgres
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
CALLS = "/api/v1/activity/call/"
BODY = msgspec.json.encode(
    {
        "direction": "outbound",
        "status": "completed",
        "disposition": "answered",
        "source": "External",
        "duration": 345,
        "phone": "+16505551234",
        "note": "Discussed pricing; follow up next week.",
        "recording_url": "https://example.com/recordings/1.mp3",
        "voicemail_url": "https://example.com/voicemails/1.mp3",
        "activity_at": "2026-01-09T14:35:08.272000+00:00",
        "quality_info": "good",
        "custom_fields": {"campaign": "spring", "score": 7},
        "conversation_type_id": "conv_1",
        "playbook_id": "play_1",
        "organization_id": "ignored",
    }
)


@contextmanager
def postgres_admin(url: str | None) -> Iterator[str]:
    """A superuser's URL: the one given, or a durable throwaway cluster's."""
    if url:
        yield url
        return
    cluster = TemporaryPostgres(durable=True)
    cluster.start()
    try:
        yield cluster.admin_url
    finally:
        cluster.stop()


def measure(
    name: str, database: str, workdir: Path, args: argparse.Namespace, *, workers: int = 1
) -> tuple[LoadResult, LoadResult]:
    """Create, then list throughput of one server variant."""
    server = LiveServer(database, KEY, workdir, workers=workers, environment=UNLIMITED)
    server.start()
    try:
        post = http_request("POST", CALLS, port=server.port, api_key=KEY, body=BODY)
        get = http_request("GET", f"{CALLS}?_limit=100", port=server.port, api_key=KEY)
        load = {"port": server.port, "seconds": args.seconds, "connections": args.connections,
                "processes": args.load_processes}  # fmt: skip
        created = run_load(f"create, {name}", post, **load)
        listed = run_load(f"list 100, {name}", get, **load)
    finally:
        server.stop()
    for result in (created, listed):
        if result.failures:
            raise RuntimeError(f"{result.name}: {result.failures} requests failed")
    return created, listed


def print_table(rows: list[tuple[LoadResult, LoadResult]], args: argparse.Namespace) -> None:
    """One line per scenario and variant, with throughput against the baseline's."""
    print(f"{args.connections} connections from {args.load_processes} load processes, "
          f"{args.seconds:g} s per scenario, median of {args.rounds} rounds, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print(f"{'scenario':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s / baseline':>17}")
    for column in (0, 1):
        baseline = rows[0][column]
        for row in rows:
            result = row[column]
            print(
                f"{result.name:<40} {result.per_second:>8.0f} {result.p50_ms:>8.2f} "
                f"{result.p99_ms:>8.2f} {result.per_second / baseline.per_second:>16.2f}x"
            )
    print("\nbaseline: SQLite, one process (synchronous=FULL)")


def add_load_arguments(parser: argparse.ArgumentParser, per: str) -> argparse.ArgumentParser:
    """The options every bench that drives servers with bench/load.py takes."""
    parser.add_argument("--seconds", type=float, default=3.0, help=per)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--postgres", default=None, help="a superuser's URL")
    return parser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    args = add_load_arguments(parser, "per scenario and round").parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder,
        postgres_admin(args.postgres) as admin_url,
    ):
        workdir = Path(folder)
        databases = ScratchDatabases(admin_url)
        databases.setup()
        try:
            variants = [("SQLite, 1 process", f"sqlite:///{workdir / 'b.db'}", 1)]
            variants += [
                (f"PostgreSQL, {n} worker{'s' if n > 1 else ''}", databases.create(), n)
                for n in (1, 2)
            ]
            rounds = [
                [measure(name, url, workdir, args, workers=n) for name, url, n in variants]
                for _ in range(args.rounds)
            ]
        finally:
            databases.teardown()
    print_table([_median_round([r[index] for r in rounds]) for index in range(3)], args)


def _median_round(
    results: list[tuple[LoadResult, LoadResult]],
) -> tuple[LoadResult, LoadResult]:
    """Per scenario, the round whose throughput is the median."""
    created, listed = ([pair[n] for pair in results] for n in (0, 1))
    middle = len(results) // 2
    return (
        sorted(created, key=lambda r: r.per_second)[middle],
        sorted(listed, key=lambda r: r.per_second)[middle],
    )


if __name__ == "__main__":
    main()
