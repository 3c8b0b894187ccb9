"""The benches run end to end at a small size (figures are not checked: speed lives in bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from closecalls.testing.postgres import ScratchDatabases

ROOT = Path(__file__).resolve().parent.parent


def test_list_queries_bench_prints_its_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.list_queries", "--calls", "3000", "--requests", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "loaded 3000 calls" in done.stdout
    for scenario in ("GET one call by id (baseline)", "100 calls of one lead",
                     "100 calls in a one-week window", "server peak RSS"):  # fmt: skip
        assert scenario in done.stdout


@pytest.mark.postgresql
def test_backends_bench_prints_create_and_list_for_each_backend(
    postgres_databases: ScratchDatabases,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.backends", "--seconds", "0.3", "--rounds", "1",
         "--connections", "2", "--load-processes", "1", "--postgres", postgres_databases.admin_url],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for kind in ("create", "list 100"):
        for variant in ("SQLite, 1 process", "PostgreSQL, 1 worker", "PostgreSQL, 2 workers"):
            assert f"{kind}, {variant}" in done.stdout
    assert "baseline: SQLite" in done.stdout


def test_http_throughput_bench_prints_every_variant() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.http_throughput", "--seconds", "1", "--connections", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for variant in ("ceiling: decode + echo, no storage", "closecalls POST call (SQLite FULL)",
                    "every request a new phone number", "closecalls GET call by id",
                    "baseline POST (FastAPI+pydantic+aiosqlite)"):  # fmt: skip
        line = next(row for row in done.stdout.splitlines() if variant in row)
        assert line.split()[-4] == "0", line  # the errors column: no failed request


def test_create_cpu_bench_prints_its_rows() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.create_cpu", "--creates", "300"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for row in ("ASGI call alone", "create, empty body", "create, 18-key body"):
        assert row in done.stdout
