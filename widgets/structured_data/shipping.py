"""OfferShippingDetails for one product offer, priced by the estimator's own rules from the synced shipping setup.

Only what holds for any shopper buying this one product goes out: a rate the setup computes for the offer's price
(and weight, when the page states it), one node per zone and method, and a delivery time only when the method has
a transit window. Rest-of-world zones, carrier-quoted methods and merchants' "typical" carrier costs are left out:
schema.org has no region for "everywhere else", and a typical cost is not a rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plugin.rates import Method, MethodKind, Region, ShippingSetup, Zone
from widgets.estimator.matching import compile_postcode_pattern, normalize_postcode, normalize_province
from widgets.estimator.pricing import Cart, quote_zone
from widgets.estimator.profiles import CartLine, ProfileRouter
from widgets.estimator.transit import LearnedTransit

SCHEMA = "https://schema.org/"
# The estimator's calendar ships Monday to Friday (widgets.estimator.delivery.ShippingCalendar).
BUSINESS_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the page's own Product markup says about the offer the details are for."""

    price: Decimal
    weight_g: int | None = None  # None: methods priced or limited by weight are left out


def profile_setup(setup: ShippingSetup, lines: Sequence[CartLine]) -> ShippingSetup | None:
    """The setup with the zones of the delivery profile the page's product ships by (a Shopify product-specific
    profile, as the estimate chooses it), else the general profile's; None when the lines span several profiles."""
    if not setup.profiles or not lines:
        return setup
    chosen = set(ProfileRouter(setup).groups(lines))
    if len(chosen) > 1:
        return None
    (profile,) = chosen
    return setup if profile is None else replace(setup, zones=setup.profiles[profile].zones)


def offer_shipping_details(
    setup: ShippingSetup, offer: OfferFacts, now: datetime, learned: LearnedTransit | None = None
) -> list[dict[str, Any]]:
    """One OfferShippingDetails per zone and method that has a rate for this offer, cheapest first per zone.
    `learned`: the transit windows measured from the store's own deliveries (widgets.estimator.learning)."""
    details: list[dict[str, Any]] = []
    for zone in setup.zones:
        destinations = [node for region in zone.regions for node in defined_regions(region)]
        if not destinations:
            continue
        zone = _without_unknown_weight(zone, offer.weight_g)
        quotes, _ = quote_zone(zone, Cart(offer.price, offer.weight_g or 0, 1), setup.currency)
        methods = {method.id: method for method in zone.methods}
        for quote in quotes:
            if quote.cost is None or not quote.computable:
                continue
            node: dict[str, Any] = {
                "@type": "OfferShippingDetails",
                "shippingRate": {"@type": "MonetaryAmount", "value": float(quote.cost), "currency": setup.currency},
                "shippingDestination": destinations,
            }
            method = methods[quote.method_id]
            measured = (learned or {}).get((zone.id, method.name))
            delivery = delivery_time(setup, method, now, None if measured is None else measured.days)
            if delivery is not None:
                node["deliveryTime"] = delivery
            details.append(node)
    return details


def _without_unknown_weight(zone: Zone, weight_g: int | None) -> Zone:
    if weight_g is not None:
        return zone
    kept = tuple(method for method in zone.methods if not _depends_on_weight(method))
    return Zone(zone.id, zone.name, zone.regions, zone.rest_of_world, kept, zone.free_shipping_threshold, zone.handling)


def _depends_on_weight(method: Method) -> bool:
    return method.kind is MethodKind.WEIGHT or method.min_weight_g is not None or method.max_weight_g is not None


def delivery_time(
    setup: ShippingSetup, method: Method, now: datetime, learned: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """The window the estimator promises when it rests on facts: the merchant's transit days (the method's, else
    the shop's), else those learned from the store's deliveries; None otherwise. The estimator's per-destination
    default is labelled an estimate on the storefront; here there is no label, so it is not stated."""
    transit = method.transit_days or setup.default_transit_days or learned
    if transit is None:
        return None
    delivery: dict[str, Any] = {
        "@type": "ShippingDeliveryTime",
        "handlingTime": _days(setup.processing_days, setup.processing_days),
        "transitTime": _days(*transit),
        "businessDays": {"@type": "OpeningHoursSpecification", "dayOfWeek": [SCHEMA + day for day in BUSINESS_DAYS]},
    }
    if setup.cutoff is not None:
        # ISO 8601 time with the shop's UTC offset as of now (it moves with daylight saving time).
        local = datetime.combine(now.astimezone(ZoneInfo(setup.timezone)).date(), setup.cutoff)
        offset = local.replace(tzinfo=ZoneInfo(setup.timezone)).strftime("%z")
        delivery["cutoffTime"] = f"{setup.cutoff.strftime('%H:%M:%S')}{offset[:3]}:{offset[3:]}"
    return delivery


def _days(low: int, high: int) -> dict[str, Any]:
    return {"@type": "QuantitativeValue", "minValue": low, "maxValue": high, "unitCode": "DAY"}


def defined_regions(region: Region) -> list[dict[str, Any]]:
    """The region as DefinedRegions (one per province); none when its postcode patterns cannot be said in
    schema.org terms: saying the whole country instead would promise the rate where it does not apply."""
    base: dict[str, Any] = {"@type": "DefinedRegion", "addressCountry": region.country}
    if region.postcodes:
        codes, prefixes, ranges = _postcodes(region.postcodes)
        if not (codes or prefixes or ranges):
            return []
        node = dict(base)
        if codes:
            node["postalCode"] = codes
        if prefixes:
            node["postalCodePrefix"] = prefixes
        if ranges:
            node["postalCodeRange"] = ranges
        return [node]
    if region.provinces:
        return [{**base, "addressRegion": normalize_province(region.country, code)} for code in region.provinces]
    return [base]


def _postcodes(patterns: tuple[str, ...]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Split the zone's patterns as the estimator reads them (widgets.estimator.matching)."""
    codes: list[str] = []
    prefixes: list[str] = []
    ranges: list[dict[str, Any]] = []
    for pattern in patterns:
        text = normalize_postcode(pattern)
        if text.endswith("*") and text.count("*") == 1 and len(text) > 1:
            prefixes.append(text[:-1].strip())
        elif "*" in text:
            continue  # a wildcard inside the code has no schema.org form: the region is narrowed, never widened
        elif compile_postcode_pattern(text) is not None:
            begin, _, end = text.replace(" ", "").partition("-")
            ranges.append({"@type": "PostalCodeRangeSpecification", "postalCodeBegin": begin, "postalCodeEnd": end})
        elif text:
            codes.append(text)
    return codes, prefixes, ranges
