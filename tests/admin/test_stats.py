"""The dashboard's statistics against independent calculations: published Wilson intervals, the delta-method
interval derived another way, a coverage simulation, and CSAT/NPS recomputed from individual answers."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from plugin.admin.stats import (
    MIN_SUCCESSES,
    MIN_TRIALS,
    Rate,
    csat_score,
    nps_score,
    relative_uplift,
    wilson_interval,
)

Z_95 = 1.959963984540054  # the 0.975 quantile of the standard normal, from tables


def katz_interval(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    """Relative uplift and its 95 % interval, written from the delta method on log(p1) - log(p2):
    Var(log p) ~ Var(p) / p^2 = (1 - p) / (n p)."""
    p1, p2 = x1 / n1, x2 / n2
    variance = (1 - p1) / (n1 * p1) + (1 - p2) / (n2 * p2)
    ratio = p1 / p2
    spread = math.exp(Z_95 * math.sqrt(variance))
    return ratio - 1, ratio / spread - 1, ratio * spread - 1


# Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score without correction).
@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
     (29, 29, 0.8830, 1.0)],
    ids=["81-of-263", "15-of-148", "0-of-20", "1-of-29", "29-of-29"],
)  # fmt: skip
def test_wilson_intervals_match_the_published_ones(successes: int, trials: int, low: float, high: float) -> None:
    found = wilson_interval(Rate(successes, trials))
    assert found is not None
    assert found[0] == pytest.approx(low, abs=5e-5)
    assert found[1] == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(60, 1000, 40, 1000), (5, 100, 5, 100), (130, 2400, 150, 2200), (900, 1000, 850, 1000), (7, 120, 31, 400)],
    ids=["positive", "equal", "negative", "high-rates", "unequal-groups"],
)
def test_the_uplift_and_its_interval_match_the_delta_method(x1: int, n1: int, x2: int, n2: int) -> None:
    uplift = relative_uplift(Rate(x1, n1), Rate(x2, n2))
    expected, low, high = katz_interval(x1, n1, x2, n2)
    assert uplift.enough_data and uplift.reason is None
    assert uplift.estimate == pytest.approx(expected, rel=1e-12)
    assert uplift.low == pytest.approx(low, rel=1e-12)
    assert uplift.high == pytest.approx(high, rel=1e-12)
    assert uplift.low is not None and uplift.high is not None and uplift.estimate is not None
    assert uplift.low < uplift.estimate < uplift.high


def test_the_interval_covers_the_true_uplift_about_95_percent_of_the_time() -> None:
    rng = random.Random(20261117)
    p_treatment, p_control, n = 0.06, 0.05, 800
    truth = p_treatment / p_control - 1
    covered = runs = 0
    for _ in range(1500):
        x1 = sum(rng.random() < p_treatment for _ in range(n))
        x2 = sum(rng.random() < p_control for _ in range(n))
        uplift = relative_uplift(Rate(x1, n), Rate(x2, n))
        if not uplift.enough_data:
            continue
        runs += 1
        assert uplift.low is not None and uplift.high is not None
        covered += uplift.low <= truth <= uplift.high
    assert runs > 1400
    assert 0.93 <= covered / runs <= 0.97


@pytest.mark.parametrize(
    ("treatment", "control", "says"),
    [
        (Rate(10, MIN_TRIALS - 1), Rate(10, 500), "exposures per group"),
        (Rate(MIN_SUCCESSES - 1, 500), Rate(10, 500), "events per group"),
        (Rate(10, 500), Rate(0, 500), "events per group"),
        (Rate(600, 500), Rate(10, 500), "not a proportion"),
    ],
    ids=["few-exposures", "few-events", "no-control-events", "more-events-than-exposures"],
)
def test_too_little_data_gives_no_figure_but_a_reason(treatment: Rate, control: Rate, says: str) -> None:
    uplift = relative_uplift(treatment, control)
    assert not uplift.enough_data and uplift.low is None and uplift.high is None
    assert uplift.reason is not None and says in uplift.reason


def test_csat_is_the_share_of_4_and_5_recomputed_from_the_answers() -> None:
    answers = [5] * 23 + [4] * 11 + [3] * 6 + [2] * 3 + [1] * 2
    satisfied = sum(answer >= 4 for answer in answers)
    score = csat_score(satisfied, len(answers))
    assert score.value == pytest.approx(100 * 34 / 45)
    assert score.responses == 45
    assert score.low is not None and score.high is not None and score.value is not None
    assert score.low < score.value < score.high
    assert csat_score(3, 4).value is None and "not enough data" in (csat_score(3, 4).reason or "")


def test_nps_and_its_interval_recomputed_from_individual_answers() -> None:
    answers = [10] * 14 + [9] * 9 + [8] * 7 + [7] * 5 + [6] * 4 + [3] * 3 + [0] * 2
    points = [1 if a >= 9 else -1 if a <= 6 else 0 for a in answers]
    mean = statistics.fmean(points)
    margin = Z_95 * math.sqrt(statistics.pvariance(points) / len(points))
    score = nps_score(promoters=23, passives=12, detractors=9)
    assert score.responses == len(answers) == 44
    assert score.value == pytest.approx(100 * mean)
    assert score.low == pytest.approx(100 * (mean - margin))
    assert score.high == pytest.approx(100 * (mean + margin))


def test_nps_interval_stays_within_its_scale() -> None:
    score = nps_score(promoters=20, passives=0, detractors=0)
    assert (score.value, score.low, score.high) == (100.0, 100.0, 100.0)
