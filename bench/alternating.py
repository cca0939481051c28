"""Alternating rounds: app and baseline take turns (ABAB...) so that load from elsewhere hits both alike."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from bench.load import LoadResult

# The protocol: at least five pairs; the median ratio is the figure, min–max its spread.
MIN_PAIRS = 5


@dataclass(frozen=True)
class Paired:
    """Rounds of app and baseline, taken in turn; each pair gives one ratio."""

    app: tuple[LoadResult, ...]
    baseline: tuple[LoadResult, ...]
    load_before: float
    load_after: float

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(a.requests_per_s / b.requests_per_s for a, b in zip(self.app, self.baseline, strict=True))

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def app_rps(self) -> float:
        return statistics.median(r.requests_per_s for r in self.app)

    @property
    def baseline_rps(self) -> float:
        return statistics.median(r.requests_per_s for r in self.baseline)

    @property
    def app_p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.app)

    @property
    def app_p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.app)

    @property
    def baseline_p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.baseline)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.app)

    def spread(self) -> str:
        """The detail every alternating figure carries: the pairs, the ratios' range and the machine's load."""
        low, high = min(self.ratios), max(self.ratios)
        return (
            f"median of {len(self.ratios)} alternating pairs, ratio {low:.2f}-{high:.2f}; "
            f"load average {self.load_before:.1f} before, {self.load_after:.1f} after; "
            f"{os.cpu_count()} cores"
        )


def alternate(run_app: Callable[[], LoadResult], run_baseline: Callable[[], LoadResult], pairs: int) -> Paired:
    """Runs app, baseline, app, baseline ... `pairs` times each; both servers stay up throughout."""
    if pairs < 1:
        raise ValueError("at least one pair")
    load_before = os.getloadavg()[0]
    app: list[LoadResult] = []
    baseline: list[LoadResult] = []
    for round_number in range(pairs):
        # Swap who goes first every other pair, so neither side always follows a warm-up of the other.
        if round_number % 2 == 0:
            app.append(run_app())
            baseline.append(run_baseline())
        else:
            baseline.append(run_baseline())
            app.append(run_app())
    return Paired(tuple(app), tuple(baseline), load_before, os.getloadavg()[0])
