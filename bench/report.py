"""Latency statistics and the table every bench prints."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    """Latencies of one scenario, in seconds."""

    name: str
    samples: list[float]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    @property
    def per_second(self) -> float:
        return len(self.samples) / sum(self.samples)


def time_calls(name: str, call: Callable[[], object], count: int) -> Timing:
    """Run `call` `count` times one after another, timing each."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return Timing(name, samples)


def print_table(timings: list[Timing], baseline: Timing, extra: dict[str, str]) -> None:
    """One row per scenario with its p50 as a multiple of the baseline's."""
    for key, value in extra.items():
        print(f"{key}: {value}")
    print(f"\n{'scenario':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 / baseline':>15}")
    for timing in timings:
        ratio = timing.p50_ms / baseline.p50_ms
        print(
            f"{timing.name:<46} {timing.per_second:>8.0f} {timing.p50_ms:>8.2f} "
            f"{timing.p99_ms:>8.2f} {ratio:>14.2f}x"
        )
    print(f"\nbaseline: {baseline.name}")
