"""Delivery windows out of the box: defaults by destination class, replaced by learned transit times once enough
deliveries were measured, and by the merchant's own numbers whenever set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from plugin.rates import MerchantOverrides, MethodOverride, ShippingSetup, apply_overrides
from widgets.estimator import EstimateRequest, compile_setup, estimate
from widgets.estimator.delivery import ShippingCalendar
from widgets.estimator.engine import EstimateOption
from widgets.estimator.learning import MIN_SAMPLES, DeliverySample, OnTime, percentile, summarize
from widgets.estimator.transit import (
    DEFAULT_TRANSIT_DAYS,
    DestinationClass,
    LearnedWindow,
    destination_class,
)

from .test_mapping import shopify_zones

MONDAY_MORNING = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
FRESH_SHOP = ShippingSetup(origin_country="DE", timezone="Europe/Berlin", currency="EUR", zones=shopify_zones())
DOMESTIC_ZONE = "gid://shopify/DeliveryZone/10"


@pytest.mark.parametrize(
    ("origin", "subdivision", "country", "province", "expected"),
    [
        ("DE", None, "DE", None, DestinationClass.DOMESTIC),
        ("DE", None, "FR", None, DestinationClass.REGION),
        ("DE", None, "CH", None, DestinationClass.INTERNATIONAL),  # not in the EU customs union
        ("DE", None, "US", None, DestinationClass.INTERNATIONAL),
        ("US", "NY", "US", "CA", DestinationClass.DOMESTIC),
        ("US", "NY", "US", "US-HI", DestinationClass.REGION),
        ("US", "HI", "US", "HI", DestinationClass.DOMESTIC),
        ("US", "NY", "CA", "ON", DestinationClass.INTERNATIONAL),
    ],
    ids=["de-de", "de-fr", "de-ch", "de-us", "ny-ca", "ny-hawaii", "hawaii-hawaii", "us-canada"],
)
def test_destination_classes(
    origin: str, subdivision: str | None, country: str, province: str | None, expected: DestinationClass
) -> None:
    assert destination_class(origin, subdivision, country, province) is expected


def _options(
    setup: ShippingSetup, country: str, learned: dict[tuple[str, str], LearnedWindow] | None = None
) -> tuple[EstimateOption, ...]:
    request = EstimateRequest(country, Decimal("20.00"), "EUR", weight_g=1000)
    return estimate(compile_setup(setup, learned), request, MONDAY_MORNING).options


def test_a_fresh_install_dates_every_option_with_a_default_labelled_as_such() -> None:
    calendar = ShippingCalendar("DE", "Europe/Berlin")
    ship = date(2026, 6, 2)  # one processing day after Monday
    for country, kind in (("DE", DestinationClass.DOMESTIC), ("US", DestinationClass.INTERNATIONAL)):
        options = _options(FRESH_SHOP, country)
        assert options
        low, high = DEFAULT_TRANSIT_DAYS[kind]
        for option in options:
            assert option.transit_source == "default"
            assert (option.earliest, option.latest) == (
                calendar.add_business_days(ship, low),
                calendar.add_business_days(ship, high),
            )
    domestic, international = _options(FRESH_SHOP, "DE")[0], _options(FRESH_SHOP, "US")[0]
    assert domestic.latest is not None and international.latest is not None
    assert domestic.latest < international.latest


def test_learned_times_replace_the_default_and_the_merchants_numbers_replace_both() -> None:
    learned = {(DOMESTIC_ZONE, "Standard"): LearnedWindow((2, 3), 42)}
    standard, free, *_ = _options(FRESH_SHOP, "DE", learned)
    assert standard.name == "Standard" and standard.transit_source == "learned"
    assert (standard.earliest, standard.latest) == (date(2026, 6, 4), date(2026, 6, 5))
    assert free.transit_source == "default"  # learned for another method only

    per_method = apply_overrides(
        FRESH_SHOP, MerchantOverrides(methods=(MethodOverride("Standard", transit_days=(1, 1)),))
    )
    standard = _options(per_method, "DE", learned)[0]
    assert standard.transit_source == "merchant" and standard.earliest == standard.latest == date(2026, 6, 3)
    shop_wide = replace(FRESH_SHOP, default_transit_days=(4, 6))
    assert {o.transit_source for o in _options(shop_wide, "DE", learned)} == {"merchant"}


def test_business_days_between_is_the_inverse_of_adding_them() -> None:
    calendar = ShippingCalendar("DE", "Europe/Berlin")
    assert calendar.business_days_between(date(2026, 6, 5), date(2026, 6, 8)) == 1  # Friday -> Monday
    assert calendar.business_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 2  # over Christmas
    assert calendar.business_days_between(date(2026, 6, 1), date(2026, 6, 1)) == 0
    for days in range(12):
        start = date(2026, 5, 29)
        assert calendar.business_days_between(start, calendar.add_business_days(start, days)) == days


def test_percentiles_are_nearest_rank_and_ignore_the_odd_outlier() -> None:
    days = sorted([2] * 18 + [3] * 18 + [1, 30])  # a same-day courier and a lost parcel among 38
    assert (percentile(days, 10), percentile(days, 90)) == (2, 3)
    assert percentile([5], 10) == percentile([5], 90) == 5


def _sample(n: int, zone: str, method: str, days: int, promised: date | None, delivered: date) -> DeliverySample:
    return DeliverySample(f"t{n}", zone, method, date(2026, 6, 1), delivered, days, promised)


def test_a_pair_is_learned_only_from_enough_samples_and_on_time_counts_only_promises() -> None:
    promised = date(2026, 6, 8)
    samples = [_sample(n, "z1", "Standard", 2, promised, date(2026, 6, 3)) for n in range(MIN_SAMPLES - 1)]
    samples.append(_sample(99, "z1", "Express", 1, None, date(2026, 6, 2)))  # nothing promised: no on-time vote
    report = summarize(samples)
    assert report.learned() == {}
    assert [(m.method, m.samples, m.learned) for m in report.methods] == [
        ("Express", 1, False),
        ("Standard", MIN_SAMPLES - 1, False),
    ]
    samples.append(_sample(100, "z1", "Standard", 9, promised, date(2026, 6, 12)))  # late
    report = summarize(samples)
    assert report.learned() == {("z1", "Standard"): LearnedWindow((2, 2), MIN_SAMPLES)}
    assert report.on_time_by_zone == {"z1": OnTime(MIN_SAMPLES - 1, MIN_SAMPLES)}
    assert report.on_time.percent == 95  # 19 of 20
    assert OnTime(187, 199).percent == 93  # 93.97%: floored, never rounded up to a better claim
