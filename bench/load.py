"""A multi-process HTTP load generator: keep-alive connections replaying prepared requests.

Each process runs its share of the connections on uvloop, every connection sending one
request and reading its answer before the next (a closed loop, like wrk). Requests are
built once as bytes and answers are parsed only as far as the status and length, so the
generator spends its time waiting on the server rather than on itself.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import re
import statistics
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import uvloop

_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one scenario achieved: answers, failures, the window and each latency."""

    name: str
    answers: int
    failures: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0


def http_request(
    method: str, path: str, *, port: int, api_key: str, body: bytes | None = None
) -> bytes:
    """One HTTP/1.1 request with Basic auth, as bytes on the wire."""
    auth = base64.b64encode(f"{api_key}:".encode()).decode()
    head = [f"{method} {path} HTTP/1.1", f"host: 127.0.0.1:{port}", f"authorization: Basic {auth}"]
    if body is not None:
        head += ["content-type: application/json", f"content-length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")


def run_load(
    name: str,
    request: bytes,
    *,
    port: int,
    seconds: float,
    connections: int,
    processes: int,
) -> LoadResult:
    """Replay `request` from `processes` processes over `connections` connections."""
    context = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for index in range(processes):
        share = connections // processes + (index < connections % processes)
        ours, theirs = context.Pipe()
        worker = context.Process(
            target=_process, args=(theirs, request, port, share, seconds), daemon=True
        )
        worker.start()
        pipes.append(ours)
        workers.append(worker)
    for pipe in pipes:
        pipe.recv()  # connected
    # Every process starts its clock at one moment, once all are connected.
    start_at = time.time() + 0.05
    for pipe in pipes:
        pipe.send(start_at)
    latencies: list[float] = []
    failures = 0
    for pipe in pipes:
        their_latencies, their_failures = pipe.recv()
        latencies += their_latencies
        failures += their_failures
    for worker in workers:
        worker.join()
    return LoadResult(name, len(latencies), failures, seconds, latencies)


def _process(pipe: Connection, request: bytes, port: int, connections: int, seconds: float) -> None:
    async def main() -> tuple[list[float], int]:
        streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]
        pipe.send("connected")
        start_at = pipe.recv()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        stop_at = time.perf_counter() + seconds
        outcomes = await asyncio.gather(*(_drive(*stream, request, stop_at) for stream in streams))
        for _, writer in streams:
            writer.close()
        return [t for times, _ in outcomes for t in times], sum(f for _, f in outcomes)

    pipe.send(uvloop.run(main()))
    pipe.close()


async def _drive(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, stop_at: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    while (started := time.perf_counter()) < stop_at:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = _LENGTH.search(head)
        if length:
            await reader.readexactly(int(length.group(1)))
        else:
            await _read_chunks(reader)
        if head[9:12] != b"200":
            failures += 1
        latencies.append(time.perf_counter() - started)
    return latencies, failures


async def _read_chunks(reader: asyncio.StreamReader) -> None:
    """A body in chunked transfer encoding, up to its last (empty) chunk."""
    while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")
