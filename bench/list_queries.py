"""List queries on a large organization: how long a 100-row page takes out of N calls.

Run: .venv/bin/python -m bench.list_queries [--calls 10000000] [--requests 1000]
                                            [--database FILE]

Loads N calls into one organization of a SQLite file, starts a real server on it, and times
pages of GET /api/v1/activity/call/ over HTTP from this process. The baseline, measured in
the same run, is GET of one call by id: the floor of HTTP, auth and a document read.

The calls are made as the API makes them (`new_call`, encoded once) and inserted with the
store's own INSERT. `--loader bulk` (the default) inserts them in large transactions with
`synchronous=OFF` and no journal, for the load only: the server then opens the file with
its normal settings. `--loader store` goes through `Store.insert_activities` instead; both
write the same rows (tests/test_bench.py compares them). With `--database`, the loaded file
is kept and reused by later runs asking for the same number of calls.

The client is one keep-alive connection on a plain socket sending prepared requests, so a
request costs the client microseconds; the server's own CPU per request (from /proc) is
printed beside the wall-clock latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import asyncpg

from bench.load import http_request
from bench.report import Timing, print_table
from closecalls import accounts
from closecalls.api.calls import call_row
from closecalls.domain import calls
from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import IdSource
from closecalls.domain.listing import parse_activity_list, parse_call_list
from closecalls.domain.principal import Principal
from closecalls.http.responses import encode_json
from closecalls.store.activities import activity_values
from closecalls.store.postgres_driver import PostgresDriver
from closecalls.store.rows import ActivityRow
from closecalls.store.sql import INSERT_ACTIVITY, SQLITE, build_list_sql
from closecalls.store.sqlite_driver import SQLiteDriver
from closecalls.store.store import Store
from closecalls.testing.postgres import ScratchDatabases, TemporaryPostgres
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_benchbenchbenchbench00.benchbenchbenchbench00"
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86_400
LEADS = 10_000
LEAD_ID = "lead_000000"
STORE_BATCH = 20_000
BULK_BATCH = 50_000
BULK_COMMIT = 1_000_000
# Documents kept from the load to check, through the API, that the server serves them as made.
SAMPLES = 5
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


def make_calls(count: int, seed: int, principal: Principal) -> Iterator[ActivityRow]:
    """`count` calls as the API would store them, two years of them, oldest first."""
    clock = ManualClock(START)
    ids = IdSource(clock, seed=seed)
    rng = random.Random(seed)
    names = {principal.user_id: principal.user_name}
    leads = [f"lead_{n:06d}" for n in range(LEADS)]
    for n in range(count):
        # Every tenth call shares its predecessor's timestamp, as bursts of logged calls do.
        offset = (n - n % 10) * SPAN_SECONDS // max(count, 1)
        moment = START + timedelta(seconds=offset)
        clock.set(moment)  # ids lead with their creation time, as the server makes them
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
        yield call_row(call, encode_json(call))


async def create_organization(store: Store, seed: int) -> Principal:
    """The organization and its key, through the store."""
    clock = ManualClock(START)
    tenant = await accounts.create_organization(
        store, name="bench", clock=clock, ids=IdSource(clock, seed=seed), api_key=KEY
    )
    return Principal(tenant.organization.id, tenant.user.id, "API User", "api_bench")


async def organization_in_sqlite(path: Path, seed: int) -> Principal:
    store = Store(SQLiteDriver(path))  # opening it migrates the file
    await store.open()
    try:
        return await create_organization(store, seed)
    finally:
        await store.close()


async def load_through_store(store: Store, rows: Iterator[ActivityRow]) -> None:
    batch: list[ActivityRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == STORE_BATCH:
            await store.insert_activities(batch)
            batch = []
    await store.insert_activities(batch)


async def load_sqlite_through_store(path: Path, rows: Iterator[ActivityRow]) -> None:
    store = Store(SQLiteDriver(path))
    await store.open()
    try:
        await load_through_store(store, rows)
    finally:
        await store.close()


async def load_postgres(url: str, count: int, seed: int) -> dict[str, bytes]:
    """Fill a migrated PostgreSQL database through the store, as `load` does a SQLite file."""
    store = Store(PostgresDriver(url))
    await store.open()
    try:
        principal = await create_organization(store, seed)
        samples: dict[str, bytes] = {}
        started = time.perf_counter()
        await load_through_store(store, sampled(count, seed, principal, samples))
        elapsed = time.perf_counter() - started
    finally:
        await store.close()
    print(f"loaded {count} calls in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s, store)")
    return samples


def load_in_bulk(path: Path, rows: Iterator[ActivityRow]) -> None:
    """The store's INSERT in transactions of a million rows, unjournaled and unsynced.

    A crash mid-load leaves a file to throw away, which a bench can afford; the server
    opens the finished file with its own settings (WAL, `synchronous=FULL`).
    """
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    # Ids and times only grow, so every index takes its rows at a few hot pages (the lead
    # indexes at one per lead): 512 MiB of cache holds them.
    connection.execute("PRAGMA cache_size = -524288")
    pending = 0
    connection.execute("BEGIN")
    while batch := [activity_values(row) for _, row in zip(range(BULK_BATCH), rows, strict=False)]:
        connection.executemany(INSERT_ACTIVITY, batch)
        pending += len(batch)
        if pending >= BULK_COMMIT:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
            pending = 0
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.close()


def sampled(
    count: int, seed: int, principal: Principal, samples: dict[str, bytes]
) -> Iterator[ActivityRow]:
    """`make_calls`, keeping a few documents by id (the newest last) to check afterwards."""
    every = max(1, count // SAMPLES)
    for n, row in enumerate(make_calls(count, seed, principal)):
        if n % every == 0 or n == count - 1:
            samples[row.id] = row.document
        yield row


def load(path: Path, count: int, seed: int, loader: str) -> dict[str, bytes]:
    """Fill one organization of a SQLite file with `count` calls; a few of them by id."""
    principal = asyncio.run(organization_in_sqlite(path, seed))
    samples: dict[str, bytes] = {}
    rows = sampled(count, seed, principal, samples)
    started = time.perf_counter()
    if loader == "store":
        asyncio.run(load_sqlite_through_store(path, rows))
    else:
        load_in_bulk(path, rows)
    elapsed = time.perf_counter() - started
    print(f"loaded {count} calls in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s, {loader})")
    return samples


def calls_in(path: Path) -> int:
    """How many calls a kept file holds (its only activities are the bench's calls)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        found = connection.execute("SELECT max(seq) FROM activity").fetchone()[0]
    return int(found or 0)


class Client:
    """One keep-alive HTTP/1.1 connection replaying prepared requests on a blocking socket."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, path: str) -> bytes:
        return http_request("GET", path, port=self.port, api_key=KEY)

    def send(self, request: bytes) -> bytes:
        """The answer's body; raises unless it is a 200."""
        self.socket.sendall(request)
        head = self._until(b"\r\n\r\n")
        if head[9:12] != b"200":
            raise RuntimeError(f"unexpected answer: {head!r}")
        if length := _LENGTH.search(head):
            return self._exactly(int(length.group(1)))
        body = b""  # chunked: sizes in hex, each chunk then CRLF, up to an empty chunk
        while size := int(self._until(b"\r\n"), 16):
            body += self._exactly(size + 2)[:-2]
        self._until(b"\r\n")
        return body

    def _until(self, separator: bytes) -> bytes:
        while (end := self.buffer.find(separator)) < 0:
            self.buffer += self._receive()
        found, self.buffer = self.buffer[:end], self.buffer[end + len(separator) :]
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.buffer += self._receive()
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def _receive(self) -> bytes:
        chunk = self.socket.recv(262_144)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk

    def close(self) -> None:
        self.socket.close()


def answered_within(client: Client, request: bytes) -> tuple[float, float]:
    """Requests the server has answered so far, and those it took at most 5 ms over.

    From its Prometheus latency histogram (time inside the server, from request to answer),
    summed over routes: each scenario runs alone, so the difference is that scenario's.
    """
    total = within = 0.0
    for line in client.send(request).decode().splitlines():
        if line.startswith("closecalls_http_request_duration_seconds_count{"):
            total += float(line.rsplit(" ", 1)[1])
        elif line.startswith("closecalls_http_request_duration_seconds_bucket{") and (
            'le="0.005"' in line
        ):
            within += float(line.rsplit(" ", 1)[1])
    return total, within


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scenarios(call_id: str) -> dict[str, str]:
    """Each scenario's path and query, as a client would send it."""
    calls_path = "/api/v1/activity/call/"
    mid = (START + timedelta(seconds=SPAN_SECONDS // 2)).date()

    def page(path: str, **params: str | int) -> str:
        return f"{path}?{urlencode(params)}" if params else path

    return {
        "GET one call by id (baseline)": f"{calls_path}{call_id}/",
        "newest 100 calls": page(calls_path),
        "100 calls of one lead": page(calls_path, lead_id=LEAD_ID),
        "100 calls in a one-week window": page(
            calls_path, date_created__gte=str(mid), date_created__lt=str(mid + timedelta(days=7))
        ),
        "100 calls at _skip=200000": page(calls_path, _skip=200_000),
        "100 calls by -activity_at": page(calls_path, _order_by="-activity_at"),
        "100 calls, _fields=id,duration": page(calls_path, _fields="id,duration"),
        "/activity/ window, org-wide (tap-closeio)": page(
            "/api/v1/activity/",
            date_created__gt=f"{mid}T00:00:00",
            date_created__lt=f"{mid + timedelta(days=2)}T00:00:00",
        ),
    }


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """A migrated database: the app role's URL and a superuser's."""
    with ExitStack() as stack:
        if not admin_url:
            cluster = TemporaryPostgres(durable=True)
            cluster.start()
            stack.callback(cluster.stop)
            admin_url = cluster.admin_url
        databases = ScratchDatabases(admin_url)
        databases.setup()
        stack.callback(databases.teardown)
        url = databases.create()
        yield url, databases.admin_url_for(urlsplit(url).path.lstrip("/"))


async def vacuum(admin_url: str) -> None:
    """What autovacuum would do after a load: the visibility map (index-only scans), statistics."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute("VACUUM ANALYZE activity")
    finally:
        await connection.close()


def explain(path: Path, paths: dict[str, str]) -> None:
    """Print SQLite's plan for each list scenario's page query, as the server would build it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        organization_id = connection.execute("SELECT id FROM organization").fetchone()[0]
        for name, target in paths.items():
            parts = urlsplit(target)
            params = dict(parse_qsl(parts.query))
            if parts.path == "/api/v1/activity/":
                query = parse_activity_list(params, tz_offset=None)
            elif parts.path == "/api/v1/activity/call/":
                query = replace(parse_call_list(params, tz_offset=None), types=("Call",))
            else:
                continue
            built = build_list_sql(SQLITE, organization_id, query)
            assert built is not None
            sql, args = built
            print(f"\n{name}: {sql}")
            for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", args):
                print(f"  {row[-1]}")


def check_samples(client: Client, samples: dict[str, bytes]) -> None:
    """The server serves each sampled call byte for byte as it was made, newest first."""
    for call_id, document in samples.items():
        served = client.send(client.request(f"/api/v1/activity/call/{call_id}/"))
        if served != document:
            raise RuntimeError(
                f"{call_id} is served as {served[:200]!r}, made as {document[:200]!r}"
            )
    if not samples:
        return
    newest = client.send(client.request("/api/v1/activity/call/?_limit=1&_fields=id"))
    if newest != b'{"data":[{"id":"%s"}],"has_more":true}' % list(samples)[-1].encode():
        raise RuntimeError(f"the newest call is {newest!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000, help="requests per scenario")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the scenarios")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loader", choices=("bulk", "store"), default="bulk")
    parser.add_argument("--database", type=Path, help="keep the loaded file here and reuse it")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument(
        "--postgres", metavar="ADMIN_URL", nargs="?", const="",
        help="on PostgreSQL instead: a superuser's URL, or none for a throwaway cluster",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="closecalls-bench-") as folder, ExitStack() as stack:
        workdir = Path(folder)
        if args.postgres is not None:
            url, admin_url = stack.enter_context(postgres_database(args.postgres))
            samples = asyncio.run(load_postgres(url, args.calls, args.seed))
            asyncio.run(vacuum(admin_url))
            newest_id, target = list(samples)[-1], url
        else:
            database = args.database or workdir / "bench.db"
            samples = {}
            if database.exists() and calls_in(database) == args.calls:
                print(f"reusing {args.calls} calls in {database}")
            else:
                database.unlink(missing_ok=True)
                samples = load(database, args.calls, args.seed, args.loader)
            if args.load_only:
                return
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                found = connection.execute("SELECT id FROM activity WHERE seq = ?", (args.calls,))
                newest_id, target = found.fetchone()[0], f"sqlite:///{database}"
            if args.explain:
                explain(database, scenarios(newest_id))
        server = LiveServer(target, KEY, workdir, environment=UNLIMITED)
        server.start()
        assert server.process is not None
        pid = server.process.pid
        client = Client(server.port)
        try:
            check_samples(client, samples)
            paths = scenarios(newest_id)
            requests = {name: client.request(path) for name, path in paths.items()}
            for request in requests.values():
                client.send(request)  # warm the page cache before timing
            samples_of: dict[str, list[float]] = {name: [] for name in requests}
            cpu_of = dict.fromkeys(requests, 0.0)
            within_of = dict.fromkeys(requests, 0.0)
            metrics = client.request("/metrics")
            for _ in range(args.rounds):
                for name, request in requests.items():
                    cpu, (answered, within) = cpu_seconds(pid), answered_within(client, metrics)
                    for _ in range(args.requests):
                        started = time.perf_counter()
                        client.send(request)
                        samples_of[name].append(time.perf_counter() - started)
                    cpu_of[name] += cpu_seconds(pid) - cpu
                    now_answered, now_within = answered_within(client, metrics)
                    # The scrape before this scenario's first request counts among its answers.
                    assert now_answered - answered == args.requests + 1, "metrics are off"
                    within_of[name] += max(0.0, now_within - within - 1)
            rss = server.peak_rss_kib()
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            resident = {line.split(":")[0]: int(line.split()[1]) for line in status
                        if line.startswith(("RssAnon", "RssFile"))}  # fmt: skip
        finally:
            client.close()
            server.stop()
    timings = [Timing(name, latencies) for name, latencies in samples_of.items()]
    print_table(
        timings,
        baseline=timings[0],
        extra={
            "calls in the organization": f"{args.calls:,}",
            "requests per scenario": str(args.requests * args.rounds),
            "server peak RSS": f"{rss / 1024:.0f} MiB (at the end: "
            f"{resident['RssAnon'] / 1024:.0f} MiB anonymous, "
            f"{resident['RssFile'] / 1024:.0f} MiB of mapped files)",
        },
    )
    print("\nserver CPU per request (user + system, from /proc), and share answered in")
    print("5 ms or less inside the server (its latency histogram):")
    for name, cpu in cpu_of.items():
        count = len(samples_of[name])
        print(f"  {name:<46} {cpu * 1000 / count:>6.2f} ms {within_of[name] / count:>8.1%}")


if __name__ == "__main__":
    main()
