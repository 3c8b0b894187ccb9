"""What the parity proxy adds to each request: direct to the upstream vs through the proxy.

Run: .venv/bin/python -m bench.parity_proxy [--requests 300]

A closecalls server stands in for Close (rate limits off), and `closecalls proxy` forwards to it
over loopback HTTP and replays every request against its own SQLite organization. The baseline,
measured in the same run and interleaved with the proxied requests, is the same request sent
straight to the upstream. Requests are sequential: the figure is the added latency per request.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
from pathlib import Path

import httpx

from bench.report import Timing, print_table
from closecalls.testing.proxy import running_proxy
from closecalls.testing.server import UNLIMITED, LiveServer

BODY = {"direction": "outbound", "duration": 42, "phone": "+16505551234", "note": "bench"}


def measure(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        key = "api_" + secrets.token_urlsafe(24)
        upstream = LiveServer(f"sqlite:///{workdir / 'up.db'}", key, workdir, environment=UNLIMITED)
        upstream.start()
        try:
            local = f"sqlite:///{workdir / 'local.db'}"
            with running_proxy(upstream.api_url, local, workdir, environment=UNLIMITED) as proxy:
                timings = compare(upstream.api_url, proxy.url + "/api/v1/", key, count)
        finally:
            upstream.stop()
    print(f"requests per scenario: {count}")
    for verb in ("POST", "GET"):
        pair = [timing for timing in timings if timing.name.startswith(verb)]
        print_table(pair, pair[0], {})


def compare(direct_url: str, proxy_url: str, key: str, count: int) -> list[Timing]:
    samples: dict[str, list[float]] = {}
    with httpx.Client(auth=(key, ""), timeout=30) as client:
        for _ in range(count):
            for route, base in (("direct", direct_url), ("through the proxy", proxy_url)):
                created = client.post(base + "activity/call/", json=BODY)
                read = client.get(f"{base}activity/call/{created.json()['id']}/")
                for verb, answer in (("POST", created), ("GET", read)):
                    seconds = answer.elapsed.total_seconds()
                    samples.setdefault(f"{verb} call, {route}", []).append(seconds)
    return [Timing(name, taken) for name, taken in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    measure(parser.parse_args().requests)


if __name__ == "__main__":
    main()
