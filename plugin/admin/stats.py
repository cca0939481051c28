"""The dashboard's statistics, pure: rates, holdout uplift with its 95 % confidence interval, CSAT and NPS.

Uplift is the relative difference of two proportions, treatment rate / control rate - 1. Its interval comes from
the log risk ratio with the delta-method (Katz) standard error, sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2), exponentiated
back: asymmetric, never below -100 %, and undefined with zero successes in a group, so a figure needs at least
MIN_TRIALS trials and MIN_SUCCESSES successes per group ("not enough data yet" otherwise). Single rates and CSAT
use the Wilson score interval; NPS uses the normal interval of the mean of +1/0/-1 answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
MIN_TRIALS = 100  # per group
MIN_SUCCESSES = 5  # per group: below this the normal approximation on the log scale is poor
MIN_RESPONSES = 10  # survey answers before CSAT or NPS is shown


def z_value(confidence: float = CONFIDENCE) -> float:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int

    def __post_init__(self) -> None:
        if self.successes < 0 or self.trials < 0:
            raise ValueError("counts must not be negative")

    @property
    def value(self) -> float | None:
        """None without trials, or when the counts are not a proportion (more successes than trials)."""
        if self.trials == 0 or self.successes > self.trials:
            return None
        return self.successes / self.trials


def wilson_interval(rate: Rate, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    if rate.value is None:
        return None
    z, n, p = z_value(confidence), rate.trials, rate.value
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Withheld:
    """Why a figure is withheld, in parts a page puts into its own language (`reason` is the English sentence the
    JSON carries): what is short, how many are needed, and the counts so far (treatment and holdout, or answers)."""

    kind: str  # "not_proportion", "exposures", "events" or "answers"
    needed: int = 0
    counts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Uplift:
    treatment: Rate
    control: Rate
    estimate: float | None  # treatment rate / control rate - 1
    low: float | None
    high: float | None
    reason: str | None = None  # why there is no figure
    withheld: Withheld | None = None  # the same, in parts

    @property
    def enough_data(self) -> bool:
        return self.estimate is not None

    @property
    def conclusive(self) -> bool:
        """The interval excludes zero: the data rule out "no effect" at the chosen confidence."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def relative_uplift(
    treatment: Rate,
    control: Rate,
    *,
    confidence: float = CONFIDENCE,
    min_trials: int = MIN_TRIALS,
    min_successes: int = MIN_SUCCESSES,
) -> Uplift:
    def without(reason: str, withheld: Withheld) -> Uplift:
        return Uplift(treatment, control, None, None, None, reason, withheld)

    if treatment.successes > treatment.trials or control.successes > control.trials:
        return without("the counts are not a proportion (more events than exposures)", Withheld("not_proportion"))
    if min(treatment.trials, control.trials) < min_trials:
        return without(
            f"not enough data yet: {min_trials} exposures per group needed "
            f"(treatment {treatment.trials}, holdout {control.trials})",
            Withheld("exposures", min_trials, (treatment.trials, control.trials)),
        )
    if min(treatment.successes, control.successes) < min_successes:
        return without(
            f"not enough data yet: {min_successes} events per group needed "
            f"(treatment {treatment.successes}, holdout {control.successes})",
            Withheld("events", min_successes, (treatment.successes, control.successes)),
        )
    x1, n1, x2, n2 = treatment.successes, treatment.trials, control.successes, control.trials
    log_ratio = math.log((x1 / n1) / (x2 / n2))
    standard_error = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    margin = z_value(confidence) * standard_error
    return Uplift(
        treatment,
        control,
        math.exp(log_ratio) - 1,
        math.exp(log_ratio - margin) - 1,
        math.exp(log_ratio + margin) - 1,
    )


@dataclass(frozen=True)
class Score:
    """A survey score in points (CSAT 0..100, NPS -100..100) with its interval and sample size."""

    value: float | None
    low: float | None
    high: float | None
    responses: int
    reason: str | None = None
    withheld: Withheld | None = None


def _too_few_answers(minimum: int, responses: int) -> Score:
    reason = f"not enough data yet: {minimum} answers needed ({responses})"
    return Score(None, None, None, responses, reason, Withheld("answers", minimum, (responses,)))


def csat_score(satisfied: int, responses: int, *, minimum: int = MIN_RESPONSES) -> Score:
    """CSAT = share of 4-5 answers on the 1-5 scale, in percent, with the Wilson interval."""
    if not 0 <= satisfied <= responses:
        raise ValueError("satisfied answers must be between 0 and the number of responses")
    if responses < minimum:
        return _too_few_answers(minimum, responses)
    interval = wilson_interval(Rate(satisfied, responses))
    assert interval is not None
    return Score(100 * satisfied / responses, 100 * interval[0], 100 * interval[1], responses)


def nps_score(promoters: int, passives: int, detractors: int, *, minimum: int = MIN_RESPONSES) -> Score:
    """NPS = % promoters (9-10) - % detractors (0-6). Each answer is +1, 0 or -1; the interval is the normal one of
    their mean, with variance (p + d) - (p - d)^2, clamped to -100..100."""
    if min(promoters, passives, detractors) < 0:
        raise ValueError("counts must not be negative")
    responses = promoters + passives + detractors
    if responses < minimum:
        return _too_few_answers(minimum, responses)
    p, d = promoters / responses, detractors / responses
    mean = p - d
    margin = z_value() * math.sqrt(max(0.0, (p + d) - mean * mean) / responses)
    return Score(100 * mean, max(-100.0, 100 * (mean - margin)), min(100.0, 100 * (mean + margin)), responses)
