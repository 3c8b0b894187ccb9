"""The benches run end to end at a small size (figures are not checked: speed lives in bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
