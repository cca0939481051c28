"""Where an option's transit time comes from: the merchant's numbers, the store's own deliveries, or a default for
the destination's class (domestic / same region / international), in that order of precedence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from plugin.rates import ShippingSetup


class TransitSource(StrEnum):
    MERCHANT = "merchant"  # the merchant's (or the platform's) own transit days
    LEARNED = "learned"  # measured from this store's fulfilled -> delivered shipments
    DEFAULT = "default"  # a conservative default for the destination class: shown as an estimate


class DestinationClass(StrEnum):
    DOMESTIC = "domestic"
    REGION = "region"
    INTERNATIONAL = "international"


# Business days after the ship date, wide enough that most parcels of most carriers arrive inside them: a default
# is a promise made without any data of the store's own, so it errs late rather than early.
DEFAULT_TRANSIT_DAYS: Mapping[DestinationClass, tuple[int, int]] = {
    DestinationClass.DOMESTIC: (1, 5),
    DestinationClass.REGION: (3, 8),
    DestinationClass.INTERNATIONAL: (5, 15),
}

# The EU customs union: parcels cross no customs border between members.
EU = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
# US states and territories outside the contiguous 48 (plus DC): domestic post, but longer transit.
US_NON_CONTIGUOUS = frozenset({"AK", "HI", "PR", "GU", "VI", "AS", "MP", "UM", "AA", "AE", "AP"})


def _us_state(code: str | None) -> str | None:
    return None if not code else code.upper().removeprefix("US-")


def destination_class(
    origin_country: str, origin_subdivision: str | None, country: str, province: str | None
) -> DestinationClass:
    """Domestic (same country; for the US both in the contiguous states, or the same outlying state), same
    region (EU to EU, or between the contiguous US and its outlying states), else international."""
    origin, destination = origin_country.upper(), country.upper()
    if origin == destination:
        if origin != "US":
            return DestinationClass.DOMESTIC
        here, there = _us_state(origin_subdivision), _us_state(province)
        here_far = here in US_NON_CONTIGUOUS
        there_far = there in US_NON_CONTIGUOUS
        if here_far == there_far and (not here_far or here == there):
            return DestinationClass.DOMESTIC
        return DestinationClass.REGION
    if origin in EU and destination in EU:
        return DestinationClass.REGION
    return DestinationClass.INTERNATIONAL


@dataclass(frozen=True, slots=True)
class LearnedWindow:
    """Business days between fulfilment and delivery measured for one zone and method: the 10th and 90th
    percentile of `samples` deliveries."""

    days: tuple[int, int]
    samples: int


# (zone id, method name) -> the window learned for it; only pairs with enough samples are in it.
LearnedTransit = Mapping[tuple[str, str], LearnedWindow]


class TransitTimes:
    """The transit days of each option, and where they come from, for one shop's setup."""

    __slots__ = ("setup", "learned")

    def __init__(self, setup: ShippingSetup, learned: LearnedTransit | None = None) -> None:
        self.setup = setup
        self.learned: LearnedTransit = learned or {}

    def days(
        self, zone_id: str, method_name: str, method_days: tuple[int, int] | None, country: str, province: str | None
    ) -> tuple[tuple[int, int], TransitSource]:
        """The merchant's numbers win (a method's own, then the shop-wide ones), then what the store's deliveries
        showed, then the default for the destination's class."""
        if method_days is not None:
            return method_days, TransitSource.MERCHANT
        if self.setup.default_transit_days is not None:
            return self.setup.default_transit_days, TransitSource.MERCHANT
        learned = self.learned.get((zone_id, method_name))
        if learned is not None:
            return learned.days, TransitSource.LEARNED
        kind = destination_class(self.setup.origin_country, self.setup.origin_subdivision, country, province)
        return DEFAULT_TRANSIT_DAYS[kind], TransitSource.DEFAULT
