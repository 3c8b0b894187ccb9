"""List queries on a large organization: how long a 100-row page takes out of N calls.

Run: .venv/bin/python -m bench.list_queries [--calls 1000000] [--requests 200]

Loads N calls into one organization of a fresh SQLite file (bulk, through the store), starts
a real server on it, and times pages of GET /api/v1/activity/call/ over HTTP from this
process. The baseline, measured in the same run, is GET of one call by id: the floor of
HTTP, auth and a document read.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.report import Timing, print_table, time_calls
from closecalls import accounts
from closecalls.api.calls import call_row
from closecalls.domain import calls
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86_400
LEADS = 10_000
BATCH = 20_000


async def load(path: Path, count: int, seed: int) -> tuple[str, str]:
    """Fill one organization with `count` calls; return a lead id and a call id to query."""
    clock = ManualClock(START)
    ids = IdSource(clock, seed=seed)
    rng = random.Random(seed)
    store = Store(SQLiteDriver(path))
    await store.open()
    tenant = await accounts.create_organization(
        store, name="bench", clock=clock, ids=ids, api_key=KEY
    )
    principal = Principal(tenant.organization.id, tenant.user.id, "API User", "api_bench")
    names = {tenant.user.id: "API User"}
    leads = [f"lead_{n:06d}" for n in range(LEADS)]
    started = time.perf_counter()
    rows = []
    sample_id = ""
    for n in range(count):
        # Every tenth call shares its predecessor's timestamp, as bursts of logged calls do.
        offset = (n - n % 10) * SPAN_SECONDS // max(count, 1)
        moment = START + timedelta(seconds=offset)
        cleaned = {
            "lead_id": rng.choice(leads),
            "direction": rng.choice(calls.DIRECTIONS),
            "duration": rng.randrange(0, 3600),
            "note": "Discussed pricing; follow up next week.",
            "date_created": moment,
        }
        call = calls.new_call(
            cleaned, call_id=ids.new("acti"), now=moment, principal=principal, user_names=names
        )
        rows.append(call_row(call, encode_json(call)))
        sample_id = call["id"]
        if len(rows) == BATCH:
            await store.insert_activities(rows)
            rows = []
    if rows:
        await store.insert_activities(rows)
    elapsed = time.perf_counter() - started
    await store.close()
    print(f"loaded {count} calls in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s)")
    return leads[0], sample_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder:
        workdir = Path(folder)
        database = workdir / "bench.db"
        lead_id, call_id = asyncio.run(load(database, args.calls, args.seed))
        server = LiveServer(f"sqlite:///{database}", KEY, workdir, environment=UNLIMITED)
        server.start()
        try:
            with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=60) as client:

                def get(path: str, **params: str | int) -> None:
                    response = client.get(path, params=params)
                    response.raise_for_status()

                calls_path = "/api/v1/activity/call/"
                mid = (START + timedelta(seconds=SPAN_SECONDS // 2)).date()
                scenarios: dict[str, Callable[[], None]] = {
                    "GET one call by id (baseline)": lambda: get(f"{calls_path}{call_id}/"),
                    "newest 100 calls": lambda: get(calls_path),
                    "100 calls of one lead": lambda: get(calls_path, lead_id=lead_id),
                    "100 calls in a one-week window": lambda: get(
                        calls_path,
                        date_created__gte=str(mid),
                        date_created__lt=str(mid + timedelta(days=7)),
                    ),
                    "100 calls at _skip=200000": lambda: get(calls_path, _skip=200_000),
                    "100 calls by -activity_at": lambda: get(calls_path, _order_by="-activity_at"),
                    "100 calls, _fields=id,duration": lambda: get(
                        calls_path, _fields="id,duration"
                    ),
                    "/activity/ window, org-wide (tap-closeio)": lambda: get(
                        "/api/v1/activity/",
                        date_created__gt=f"{mid}T00:00:00",
                        date_created__lt=f"{mid + timedelta(days=2)}T00:00:00",
                    ),
                }
                for call in scenarios.values():
                    call()  # warm the page cache before timing
                timings: list[Timing] = [
                    time_calls(name, call, args.requests) for name, call in scenarios.items()
                ]
            rss = server.peak_rss_kib()
        finally:
            server.stop()
    print_table(
        timings,
        baseline=timings[0],
        extra={
            "calls in the organization": f"{args.calls:,}",
            "requests per scenario": str(args.requests),
            "server peak RSS": f"{rss / 1024:.0f} MiB",
        },
    )


if __name__ == "__main__":
    main()
