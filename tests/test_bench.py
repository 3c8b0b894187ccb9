"""The benches run end to end at a small size (figures are not checked: speed lives in bench/)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from closecalls.testing.postgres import ScratchDatabases

ROOT = Path(__file__).resolve().parent.parent


def run_bench(*arguments: str, timeout: float = 120) -> str:
    """Run `python -m bench.NAME ...` from the repository; its output, once it has succeeded."""
    done = subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_list_queries_bench_prints_its_table() -> None:
    output = run_bench("bench.list_queries", "--calls", "3000", "--requests", "5")
    assert "loaded 3000 calls" in output
    for scenario in ("GET one call by id (baseline)", "100 calls of one lead",
                     "100 calls in a one-week window", "server peak RSS"):  # fmt: skip
        assert scenario in output


def test_list_queries_bulk_loader_writes_what_the_store_writes(tmp_path: Path) -> None:
    tables = []
    for loader in ("store", "bulk"):
        database = tmp_path / f"{loader}.db"
        run_bench("bench.list_queries", "--calls", "2000", "--loader", loader,
                  "--database", str(database), "--load-only")  # fmt: skip
        with sqlite3.connect(database) as connection:
            tables.append(connection.execute("SELECT * FROM activity ORDER BY seq").fetchall())
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            assert mode == "wal", loader
    assert len(tables[0]) == 2000
    assert tables[0] == tables[1]


@pytest.mark.postgresql
def test_list_queries_bench_runs_on_postgresql(postgres_databases: ScratchDatabases) -> None:
    output = run_bench(
        "bench.list_queries", "--calls", "500", "--requests", "3",
        "--postgres", postgres_databases.admin_url, timeout=180,
    )  # fmt: skip
    assert "loaded 500 calls" in output
    assert "100 calls of one lead" in output


@pytest.mark.postgresql
def test_backends_bench_prints_create_and_list_for_each_backend(
    postgres_databases: ScratchDatabases,
) -> None:
    output = run_bench(
        "bench.backends", "--seconds", "0.3", "--rounds", "1", "--connections", "2",
        "--load-processes", "1", "--postgres", postgres_databases.admin_url, timeout=180,
    )  # fmt: skip
    for kind in ("create", "list 100"):
        for variant in ("SQLite, 1 process", "PostgreSQL, 1 worker", "PostgreSQL, 2 workers"):
            assert f"{kind}, {variant}" in output
    assert "baseline: SQLite" in output


def test_lead_lookup_bench_prints_its_table() -> None:
    output = run_bench("bench.lead_lookup", "--leads", "300", "--requests", "5", "--scans", "2")
    assert "loaded 300 leads" in output
    for scenario in ("GET one lead by id (baseline)", "query=(415) 2xx-xxxx",
                     "POST /data/search/ lead by contact_phone", "reads every lead"):  # fmt: skip
        assert scenario in output


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_http_throughput_bench_prints_every_variant(server: str) -> None:
    output = run_bench(
        "bench.http_throughput", "--seconds", "1", "--connections", "4", "--rounds", "1",
        "--server", server, timeout=300,
    )  # fmt: skip
    assert f"{server} on core" in output
    for variant in ("ceiling POST: decode + echo", "ceiling GET: echo",
                    "closecalls POST call, new number", "closecalls POST call, repeated number",
                    "closecalls GET call by id", "baseline POST, new number (FastAPI)",
                    "baseline POST, repeated number (FastAPI)"):  # fmt: skip
        line = next(row for row in output.splitlines() if variant in row)
        assert line.split()[-4] == "0", line  # the errors column: no failed request


def test_create_cpu_bench_prints_its_rows() -> None:
    output = run_bench("bench.create_cpu", "--creates", "300")
    for row in ("ASGI call alone", "create, empty body", "create, 18-key body"):
        assert row in output


@pytest.mark.postgresql
def test_rate_limits_bench_prints_each_bucket_store(postgres_databases: ScratchDatabases) -> None:
    output = run_bench(
        "bench.rate_limits", "--seconds", "0.3", "--rounds", "1", "--connections", "2",
        "--load-processes", "1", "--postgres", postgres_databases.admin_url, timeout=180,
    )  # fmt: skip
    for variant in ("SQLite, limits off (baseline)", "SQLite, limits on (memory)",
                    "limits on (database)", "limits on (Redis)"):  # fmt: skip
        assert variant in output


def test_toolkit_overhead_bench_prints_its_rows() -> None:
    output = run_bench("bench.toolkit_overhead", "--creates", "300")
    for row in ("admin API off (baseline)", "admin API on, strict", "admin API on, loose"):
        assert row in output


def test_events_bench_prints_both_variants() -> None:
    output = run_bench("bench.events", "--creates", "256", "--rounds", "1")
    assert "SQLite FULL, create without event (baseline)" in output
    assert "SQLite FULL, create with its event" in output


def test_import_export_bench_prints_each_scenario() -> None:
    # More baseline POSTs than one key's rate limit allows in a window (320): the baseline
    # server must not refuse them.
    output = run_bench("bench.import_export", "--calls", "2000", "--baseline", "400")
    for scenario in ("baseline: one POST per call over HTTP", "closecalls import (CSV)",
                     "closecalls export (CSV)", "closecalls export (JSONL)"):  # fmt: skip
        assert scenario in output


def test_crash_safety_loses_no_acknowledged_write(database_url: str, tmp_path: Path) -> None:
    from bench.crash_safety import run

    report = run(database_url, tmp_path, kills=2, writers=2, seconds=3, seed=12)
    assert report.kills == 2
    assert report.acknowledged_creates > 0 and report.acknowledged_updates > 0
    assert report.error_answers == 0
    assert report.lost == [] and report.unexpected == []
    assert report.integrity == "ok"


def test_soak_bench_prints_windows_memory_and_no_errors() -> None:
    output = run_bench(
        "bench.soak", "--minutes", "0.03", "--window", "1", "--capacity-seconds", "1",
        "--connections", "4", "--soak-connections", "8",
    )  # fmt: skip
    assert "capacity (closed loop, baseline)" in output
    assert "server RSS: start" in output
    total = next(line for line in output.splitlines() if line.startswith("total:"))
    assert ", 0 errors," in total, total


def test_oauth_bench_prints_its_table() -> None:
    output = run_bench("bench.oauth", "--requests", "20", "--rounds", "1")
    for scenario in ("GET /me/ with an API key, cache on", "GET /me/ with an OAuth token",
                     "POST /oauth2/token/ refresh"):  # fmt: skip
        assert scenario in output


def test_parity_proxy_bench_prints_direct_and_proxied() -> None:
    output = run_bench("bench.parity_proxy", "--requests", "5")
    for row in ("POST call, direct", "POST call, through the proxy", "GET call, through the proxy"):
        assert row in output


def test_observability_bench_prints_each_variant() -> None:
    output = run_bench("bench.observability", "--creates", "200", "--rounds", "1")
    for row in ("(baseline)", "metrics on (the default without a log)", "access log on"):
        assert row in output


def test_write_path_bench_prints_every_variant() -> None:
    output = run_bench("bench.write_path", "--inserts", "64", "--prefill", "64", "--rounds", "1")
    assert "without the event row" in output
    assert "integer organization key" in output
