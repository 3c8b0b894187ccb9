"""Soak: minutes of mixed reads and writes at 80 % of the capacity measured first.

Run: .venv/bin/python -m bench.soak [--minutes 10] [--load 0.8] [--window 60]
                                    [--connections 32] [--soak-connections 128]
                                    [--backend sqlite|postgresql] [--postgres URL]

One real server (`closecalls serve`, rate limits off). First its capacity for the mix is
measured in a closed loop (every connection sends its next request as soon as the last is
answered, for `--capacity-seconds`): that is the baseline. Then the same mix is sent at
`--load` x capacity, paced (each connection sends on a fixed schedule and latency counts
from the scheduled moment, so a stall is not hidden by sending less), for `--minutes`.
The mix per 10 requests: 4 creates, 1 update, 3 reads by id, 2 lists of 100.
Printed: per window the answers, errors, p50 and p99; the server's resident memory
after the capacity run and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import msgspec
import uvloop

from bench.load import _LENGTH, _read_chunks, http_request
from closecalls.testing.server import UNLIMITED, LiveServer

KEY = "api_soaksoaksoaksoaksoak00.soaksoaksoaksoaksoak00"
CALLS = "/api/v1/activity/call/"
BODY = msgspec.json.encode({"direction": "outbound", "duration": 60, "note": "soak"})


@dataclass(frozen=True, slots=True)
class Sample:
    """One answer: when it was due (seconds from the start), its latency, whether 200."""

    due: float
    latency: float
    ok: bool


def mix(port: int, call_id: str) -> list[bytes]:
    """Ten requests in the soak's proportions."""
    create = http_request("POST", CALLS, port=port, api_key=KEY, body=BODY)
    update = http_request(
        "PUT", f"{CALLS}{call_id}/", port=port, api_key=KEY, body=b'{"note": "soaked"}'
    )
    read = http_request("GET", f"{CALLS}{call_id}/", port=port, api_key=KEY)
    listed = http_request("GET", f"{CALLS}?_limit=100", port=port, api_key=KEY)
    return [create, read, listed, create, update, read, create, listed, read, create]


def drive(
    requests: list[bytes], port: int, *, seconds: float, connections: int, processes: int,
    rate: float | None,
) -> list[Sample]:  # fmt: skip
    """Send the mix from `processes` processes; closed loop, or paced at `rate` per second."""
    context = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for index in range(processes):
        share = connections // processes + (index < connections % processes)
        ours, theirs = context.Pipe()
        interval = None if rate is None else connections / rate
        worker = context.Process(
            target=_process, args=(theirs, requests, port, share, seconds, interval, index),
            daemon=True,
        )  # fmt: skip
        worker.start()
        pipes.append(ours)
        workers.append(worker)
    for pipe in pipes:
        pipe.recv()
    start_at = time.time() + 0.05
    for pipe in pipes:
        pipe.send(start_at)
    samples: list[Sample] = []
    for pipe in pipes:
        samples += [Sample(*row) for row in pipe.recv()]
    for worker in workers:
        worker.join()
    return samples


def _process(
    pipe: Connection, requests: list[bytes], port: int, connections: int, seconds: float,
    interval: float | None, index: int,
) -> None:  # fmt: skip
    async def main() -> list[tuple[float, float, bool]]:
        streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]
        pipe.send("connected")
        start_at = pipe.recv()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        origin = time.perf_counter()
        runs = [
            _drive(*stream, requests, origin, seconds, interval, offset=n + index * connections)
            for n, stream in enumerate(streams)
        ]
        outcomes = await asyncio.gather(*runs)
        for _, writer in streams:
            writer.close()
        return [row for rows in outcomes for row in rows]

    pipe.send(uvloop.run(main()))
    pipe.close()


async def _drive(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, requests: list[bytes],
    origin: float, seconds: float, interval: float | None, *, offset: int,
) -> list[tuple[float, float, bool]]:  # fmt: skip
    rows: list[tuple[float, float, bool]] = []
    sent = 0
    # Paced connections start staggered, so that the server sees an even stream.
    due = origin + (offset % 97) / 97 * (interval or 0.0)
    while due < origin + seconds:
        if interval is not None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        else:
            due = time.perf_counter()
        writer.write(requests[(sent + offset) % len(requests)])
        sent += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = _LENGTH.search(head)
        if length:
            await reader.readexactly(int(length.group(1)))
        else:
            await _read_chunks(reader)
        rows.append((due - origin, time.perf_counter() - due, head[9:12] == b"200"))
        if interval is not None:
            due += interval
    return rows


def rss_kib(server: LiveServer) -> int:
    """The server's resident memory now (Linux), in KiB."""
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc status")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def soak(server: LiveServer, args: argparse.Namespace) -> None:
    """Measure capacity, then soak at a share of it; print the table."""
    with server.client() as client:
        call_id = client.post(CALLS, json={"direction": "inbound"}).json()["id"]
    requests = mix(server.port, call_id)
    load = {"processes": args.load_processes}
    baseline = drive(requests, server.port, seconds=args.capacity_seconds, rate=None,
                     connections=args.connections, **load)  # fmt: skip
    capacity = len(baseline) / args.capacity_seconds
    rate = capacity * args.load
    rss_start = rss_kib(server)
    print(f"capacity (closed loop, baseline)  {capacity:8.0f} req/s, "
          f"p99 {percentile([s.latency for s in baseline], 0.99) * 1000:.1f} ms, "
          f"errors {sum(not s.ok for s in baseline)}")  # fmt: skip
    seconds = args.minutes * 60
    # More connections than the closed loop: each waits for its own previous answer, so a
    # paced connection needs slack between its turns to keep to the schedule.
    samples = drive(requests, server.port, seconds=seconds, rate=rate,
                    connections=args.soak_connections, **load)  # fmt: skip
    rss_end = rss_kib(server)
    print(f"soak at {args.load:.0%} of capacity: {rate:.0f} req/s for {seconds:g} s")
    print(f"{'window':>10} {'answers':>9} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    windows = max(1, int(seconds // args.window + (seconds % args.window > 1e-9)))
    p99s = []
    for window in range(windows):
        inside = [s for s in samples if window * args.window <= s.due < (window + 1) * args.window]
        latencies = [s.latency for s in inside]
        span = min(args.window, seconds - window * args.window)
        p99s.append(percentile(latencies, 0.99) * 1000)
        print(f"{window * args.window:>9g}s {len(inside):>9} {len(inside) / span:>8.0f} "
              f"{sum(not s.ok for s in inside):>7} "
              f"{(statistics.median(latencies) if latencies else 0) * 1000:>8.1f} "
              f"{p99s[-1]:>8.1f}")  # fmt: skip
    errors = sum(not s.ok for s in samples)
    print(f"total: {len(samples)} answers, {errors} errors, "
          f"p99 {percentile([s.latency for s in samples], 0.99) * 1000:.1f} ms "
          f"(windows {min(p99s):.1f} to {max(p99s):.1f} ms)")  # fmt: skip
    print(f"server RSS: start {rss_start} KiB, end {rss_end} KiB "
          f"({(rss_end - rss_start) / rss_start:+.1%})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.8, help="share of measured capacity")
    parser.add_argument("--window", type=float, default=60.0, help="seconds per table row")
    parser.add_argument("--capacity-seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--soak-connections", type=int, default=128)
    parser.add_argument("--load-processes", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", help="a PostgreSQL superuser's URL (default: start one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        if args.backend == "sqlite":
            run(f"sqlite:///{workdir / 'soak.db'}", workdir, args)
            return
        from bench.backends import postgres_admin
        from closecalls.testing.postgres import ScratchDatabases

        with postgres_admin(args.postgres) as admin_url:
            databases = ScratchDatabases(admin_url)
            databases.setup()
            try:
                run(databases.create(), workdir, args)
            finally:
                databases.teardown()


def run(database: str, workdir: Path, args: argparse.Namespace) -> None:
    server = LiveServer(database, KEY, workdir, environment=UNLIMITED)
    server.start()
    try:
        print(f"soak, {args.backend}, {args.connections} connections for capacity, "
              f"{args.soak_connections} paced")  # fmt: skip
        soak(server, args)
    finally:
        server.stop()


if __name__ == "__main__":
    try:
        main()
    except httpx.HTTPError as error:
        raise SystemExit(f"soak: {error}") from None
