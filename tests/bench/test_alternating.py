"""The alternating protocol: app and baseline take turns, and the figure is the median ratio with its range."""

from __future__ import annotations

import pytest

from bench.alternating import alternate
from bench.load import LoadResult


def _result(rps: float) -> LoadResult:
    return LoadResult(requests_per_s=rps, p50_ms=1.0, p99_ms=2.0, errors=0)


def test_rounds_alternate_and_swap_who_goes_first() -> None:
    order: list[str] = []
    app_rates = iter([70.0, 60.0, 80.0, 75.0, 65.0])

    def run_app() -> LoadResult:
        order.append("A")
        return _result(next(app_rates))

    def run_baseline() -> LoadResult:
        order.append("B")
        return _result(100.0)

    paired = alternate(run_app, run_baseline, 5)

    # Never two rounds of one side in a row beyond the swap, and every pair has one of each.
    assert order == ["A", "B", "B", "A", "A", "B", "B", "A", "A", "B"]
    assert paired.ratios == (0.7, 0.6, 0.8, 0.75, 0.65)
    assert paired.median_ratio == 0.7
    assert "ratio 0.60-0.80" in paired.spread()
    assert "5 alternating pairs" in paired.spread()


def test_a_slow_moment_hits_one_pair_not_the_figure() -> None:
    # Load from elsewhere halves both servers' rate in one pair: the ratios, and so the median, stay put.
    app_rates = iter([70.0, 35.0, 70.0, 70.0, 70.0])
    base_rates = iter([100.0, 50.0, 100.0, 100.0, 100.0])
    paired = alternate(lambda: _result(next(app_rates)), lambda: _result(next(base_rates)), 5)
    assert paired.median_ratio == pytest.approx(0.7)
    assert min(paired.ratios) == pytest.approx(0.7)


def test_no_pairs_is_refused() -> None:
    with pytest.raises(ValueError):
        alternate(lambda: _result(1.0), lambda: _result(1.0), 0)
