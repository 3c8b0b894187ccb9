"""What the testing toolkit costs per create: journal, fault check and loose-mode warnings.

Run: .venv/bin/python -m bench.toolkit_overhead [--creates 5000]

The same in-process harness as bench/create_cpu.py (CPU only: synchronous=OFF, no sockets),
on three apps: the baseline, measured in the same run, has the admin API off, which is also
what every server without `--admin` runs; then the admin API on, strict and loose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from bench.create_cpu import drive, started_app
from bench.http_throughput import BODY

VARIANTS = {
    "admin API off (baseline)": {},
    "admin API on, strict: journal + fault check": {"admin_token": "bench"},
    "admin API on, loose: + unknown-field warnings": {"admin_token": "bench", "mode": "loose"},
}


async def cpu_per_create(overrides: dict[str, str], folder: Path, count: int) -> float:
    async with started_app(folder / f"{len(overrides)}.db", **overrides) as (app, headers):
        body = json.dumps({**BODY, "unknown_field": 1}).encode()
        process, _ = await drive(app, "/api/v1/activity/call/", body, headers, count)
        return process


async def measure(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = {
            name: await cpu_per_create(overrides, Path(folder), count)
            for name, overrides in VARIANTS.items()
        }
    baseline = next(iter(rows.values()))
    print(f"{'scenario':<48} {'CPU us':>8} {'x baseline':>10}")
    for name, cpu in rows.items():
        print(f"{name:<48} {cpu:>8.0f} {cpu / baseline:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=5000)
    asyncio.run(measure(parser.parse_args().creates))


if __name__ == "__main__":
    main()
