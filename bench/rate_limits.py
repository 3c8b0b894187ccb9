"""What the rate-limit check costs a request: limits off against on, on each bucket store.

Run: .venv/bin/python -m bench.rate_limits [--seconds 3] [--rounds 3] [--connections 32]
                                            [--postgres URL]

Five variants, each a real `closecalls serve` on a database of its own: SQLite with limits
off (the baseline) and on (buckets in the server's memory); PostgreSQL with limits off, on
(buckets in the database, one function call per request) and on with `--redis` (buckets in
a throwaway Redis). With limits on, the limit is set so high that nothing is refused: every
request pays for the check and none is turned away. Load is GETs of one call by id, the
cheapest authenticated request, so the check's share is as large as it gets; from separate
processes (bench/load.py). Variants take turns for `--rounds` rounds; each figure is the
median round. Ratios compare each variant with limits off on the same backend.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench.backends import BODY, CALLS, add_load_arguments, postgres_admin
from bench.load import LoadResult, http_request, run_load
from closecalls.testing.postgres import ScratchDatabases
from closecalls.testing.redis import TemporaryRedis
from closecalls.testing.server import LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
HIGH = {"CLOSECALLS_RATE_LIMIT": str(10**9)}


def measure(
    name: str, database: str, environment: dict[str, str], workdir: Path, args: argparse.Namespace
) -> LoadResult:
    """GET-by-id throughput of one server variant."""
    server = LiveServer(database, KEY, workdir, environment=environment)
    server.start()
    try:
        with server.client() as client:
            call = client.post(CALLS, content=BODY, headers={"content-type": "application/json"})
            call.raise_for_status()
        get = http_request("GET", f"{CALLS}{call.json()['id']}/", port=server.port, api_key=KEY)
        result = run_load(name, get, port=server.port, seconds=args.seconds,
                          connections=args.connections, processes=args.load_processes)  # fmt: skip
    finally:
        server.stop()
    if result.failures:
        raise RuntimeError(f"{name}: {result.failures} requests failed")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    args = add_load_arguments(parser, "per variant and round").parse_args()

    redis = TemporaryRedis()
    redis.start()
    with (
        tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder,
        postgres_admin(args.postgres) as admin_url,
    ):
        workdir = Path(folder)
        databases = ScratchDatabases(admin_url)
        databases.setup()
        try:
            sqlite, postgres = f"sqlite:///{workdir / 'limits.db'}", databases.create()
            off = {"CLOSECALLS_RATE_LIMITS": "off"}
            variants = [
                ("SQLite, limits off (baseline)", sqlite, off),
                ("SQLite, limits on (memory)", sqlite, HIGH),
                ("PostgreSQL, limits off (baseline)", postgres, off),
                ("PostgreSQL, limits on (database)", postgres, HIGH),
                (
                    "PostgreSQL, limits on (Redis)",
                    postgres,
                    {**HIGH, "CLOSECALLS_REDIS": redis.url},
                ),
            ]
            rounds = [
                [measure(name, url, env, workdir, args) for name, url, env in variants]
                for _ in range(args.rounds)
            ]
        finally:
            databases.teardown()
            redis.stop()
    middle = args.rounds // 2
    results = [sorted((r[i] for r in rounds), key=lambda r: r.per_second)[middle]
               for i in range(len(variants))]  # fmt: skip
    print(f"GET one call by id; {args.connections} connections from {args.load_processes} load "
          f"processes, {args.seconds:g} s per variant, median of {args.rounds} rounds, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print(f"{'variant':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s / limits off':>19}")
    for index, result in enumerate(results):
        baseline = results[0 if index < 2 else 2]
        ratio = result.per_second / baseline.per_second
        print(f"{result.name:<36} {result.per_second:>8.0f} {result.p50_ms:>8.2f} "
              f"{result.p99_ms:>8.2f} {ratio:>18.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
