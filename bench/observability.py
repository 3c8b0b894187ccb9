"""What request metrics and the access log cost a create, in process: CPU per request.

Run: .venv/bin/python -m bench.observability [--creates 3000] [--rounds 5]

Drives the ASGI app as bench/create_cpu does (no sockets, synchronous=OFF: CPU only) with
metrics off and the access log off (the baseline, measured in the same run), with metrics
on, and with metrics and the access log on (written to /dev/null). Rounds alternate the
variants; medians and ratios to the baseline are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import tempfile
from pathlib import Path

from bench.create_cpu import drive, started_app
from bench.http_throughput import BODY

VARIANTS = {
    "metrics off, access log off (baseline)": (False, False),
    "metrics on (the default without a log)": (True, False),
    "metrics on, access log on (the default)": (True, True),
}


async def cpu_per_create(folder: Path, metrics: bool, access_log: bool, count: int) -> float:
    logging.getLogger("closecalls.access").setLevel(logging.INFO if access_log else logging.WARNING)
    database = folder / f"{metrics}-{access_log}.db"
    async with started_app(database, metrics=metrics) as (app, headers):
        process, _ = await drive(
            app, "/api/v1/activity/call/", json.dumps(BODY).encode(), headers, count
        )
    database.unlink()
    return process


async def measure(count: int, rounds: int) -> None:
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger().addHandler(sink)
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(rounds):
            for name, (metrics, access_log) in VARIANTS.items():
                samples[name].append(await cpu_per_create(Path(folder), metrics, access_log, count))
    base = statistics.median(samples["metrics off, access log off (baseline)"])
    print(f"{'variant':<44} {'CPU us/create':>14} {'x baseline':>10}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<44} {median:>14.1f} {median / base:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.creates, arguments.rounds))


if __name__ == "__main__":
    main()
