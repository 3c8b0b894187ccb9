"""A longer schemathesis run: the OpenAPI tests with a bigger budget, on both backends.

Run: .venv/bin/python -m bench.fuzz [--examples 500] [--workflows 300] [--steps 20]
                                    [--seed 20260109] [--skip-baseline]

It runs tests/test_openapi.py (every operation against the document, and stateful
workflows along its links, on SQLite and PostgreSQL) with the budget raised through the
environment and the seed fixed, so a failure found here replays with the same arguments.
Checks (tests/test_openapi.py's CHECKS): no 5xx, status codes, content types, bodies and
headers as documented, negative data refused, missing required headers refused, and in
workflows deleted objects gone and created ones there; positive and negative data. The
baseline is the suite's own budget (25 examples, 30 workflows of 10 steps), run in the same
way first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SUMMARY = re.compile(r"(\d+) (passed|failed|error)")


def fuzz(examples: int, workflows: int, steps: int, seed: int) -> tuple[dict[str, int], float]:
    """Outcome counts of one run of the OpenAPI tests, and its seconds."""
    environment = {**os.environ, "FUZZ_EXAMPLES": str(examples), "FUZZ_WORKFLOWS": str(workflows),
                   "FUZZ_WORKFLOW_STEPS": str(steps), "FUZZ_SEED": str(seed)}  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_openapi.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in _SUMMARY.findall(last)}
    if done.returncode != 0:
        print(done.stdout[-20000:])
    return counts, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260109)
    parser.add_argument("--skip-baseline", action="store_true", help="only the long run")
    args = parser.parse_args()
    rows = [("suite budget (baseline)", 25, 30, 10)] * (not args.skip_baseline)
    rows.append(("long run", args.examples, args.workflows, args.steps))
    print(f"schemathesis on both backends, seed {args.seed}")
    print(f"{'run':<24} {'examples/op':>11} {'workflows':>9} {'steps':>5} {'passed':>6} "
          f"{'failed':>6} {'seconds':>8}")  # fmt: skip
    failed = 0
    for name, examples, workflows, steps in rows:
        counts, seconds = fuzz(examples, workflows, steps, args.seed)
        bad = counts.get("failed", 0) + counts.get("error", 0)
        failed += bad or int(not counts)
        print(f"{name:<24} {examples:>11} {workflows:>9} {steps:>5} {counts.get('passed', 0):>6} "
              f"{bad:>6} {seconds:>8.1f}")  # fmt: skip
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
