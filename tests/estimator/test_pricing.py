"""What each option costs for a cart, what is free, and how far the cart is from free shipping."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from plugin.rates import Handling, Method, MethodKind, Tier, Zone
from widgets.estimator.pricing import Cart, FreeShippingProgress, Quote, quote_zone

from .test_mapping import bigcommerce_zones, shopify_zones

BIGCOMMERCE = {zone.name: zone for zone in bigcommerce_zones()}
SHOPIFY = {zone.name: zone for zone in shopify_zones()}


def _costs(quotes: tuple[Quote, ...]) -> dict[str, Decimal | None]:
    return {q.name: q.cost for q in quotes}


def _cart(subtotal: str, weight_g: int = 500, items: int = 1) -> Cart:
    return Cart(Decimal(subtotal), weight_g, items)


@pytest.mark.parametrize(
    ("zone", "cart", "expected"),
    [
        (
            BIGCOMMERCE["United States"],
            _cart("20.00", items=2),
            {"Standard": Decimal("8.50"), "Per item": Decimal("6.50"), "UPS": None},
        ),
        (BIGCOMMERCE["California"], _cart("20.00", weight_g=500), {"By weight": Decimal("5.50")}),
        (BIGCOMMERCE["California"], _cart("20.00", weight_g=2000), {"By weight": Decimal("9.90")}),
        (BIGCOMMERCE["California"], _cart("20.00", weight_g=10_000), {"By weight": Decimal("22.00")}),
        (BIGCOMMERCE["Sydney metro"], _cart("30.00"), {"By order total": Decimal("9.95")}),
        (BIGCOMMERCE["Sydney metro"], _cart("50.00"), {"By order total": Decimal("0.00")}),
        (BIGCOMMERCE["Sydney metro"], _cart("200000.00"), {"By order total": Decimal("20000.00")}),
        (BIGCOMMERCE["Central London"], _cart("5.00"), {"Free courier": Decimal("0.00")}),
        (BIGCOMMERCE["Australia"], _cart("5.00"), {"AusPost standard": Decimal("13.50")}),
        (
            SHOPIFY["Domestic"],
            _cart("20.00", weight_g=1000),
            {"Standard": Decimal("4.90"), "DHL Express": None},
        ),
        (
            SHOPIFY["Domestic"],
            _cart("50.00", weight_g=1000),
            {"Free standard": Decimal("0.00"), "DHL Express": None},
        ),
        (
            SHOPIFY["Domestic"],
            _cart("50.00", weight_g=6000),
            {"Heavy parcel": Decimal("14.90"), "DHL Express": None},
        ),
        (
            SHOPIFY["Domestic"],
            _cart("20.00", weight_g=5000),
            {"Standard": Decimal("4.90"), "Heavy parcel": Decimal("14.90"), "DHL Express": None},
        ),
        (SHOPIFY["Rest of world"], _cart("20.00", weight_g=9071), {"International": Decimal("25.00")}),
        (SHOPIFY["Rest of world"], _cart("20.00", weight_g=9072), {}),
    ],
    ids=[
        "bc-perorder-and-peritem-plus-zone-handling-carrier-unpriced",
        "bc-weight-first-tier-plus-10pct-handling",
        "bc-weight-second-tier",
        "bc-weight-beyond-ranges-uses-default",
        "bc-total-tier",
        "bc-total-free-tier-from-its-lower-bound",
        "bc-total-beyond-ranges-percentage-default",
        "bc-freeshipping",
        "bc-method-handling-fee",
        "shopify-price-condition-below-50",
        "shopify-free-rate-from-50",
        "shopify-heavy-only-above-5kg",
        "shopify-weight-bounds-inclusive",
        "shopify-pound-limit-inclusive",
        "shopify-too-heavy-for-any-rate",
    ],
)
def test_costs_per_method_type(zone: Zone, cart: Cart, expected: dict[str, Decimal | None]) -> None:
    quotes, _ = quote_zone(zone, cart, "USD")
    assert _costs(quotes) == expected


def test_cheapest_first_and_carrier_quotes_last() -> None:
    quotes, _ = quote_zone(BIGCOMMERCE["United States"], _cart("20.00", items=1), "USD")
    assert [q.name for q in quotes] == ["Per item", "Standard", "UPS"]
    assert [q.computable for q in quotes] == [True, True, False]


def test_handling_fee_is_reported_and_included() -> None:
    quotes, _ = quote_zone(BIGCOMMERCE["California"], _cart("20.00", weight_g=2000), "USD")
    assert (quotes[0].cost, quotes[0].handling) == (Decimal("9.90"), Decimal("0.90"))


def test_zone_free_shipping_waives_every_local_price_but_not_the_carrier() -> None:
    quotes, progress = quote_zone(BIGCOMMERCE["United States"], _cart("100.00", items=3), "USD")
    assert _costs(quotes) == {"Per item": Decimal("0.00"), "Standard": Decimal("0.00"), "UPS": None}
    assert [q.free for q in quotes] == [True, True, False]
    assert progress == FreeShippingProgress(Decimal("100.00"), Decimal("0.00"))
    assert progress.qualified


@pytest.mark.parametrize(
    ("zone", "cart", "progress"),
    [
        (BIGCOMMERCE["United States"], _cart("60.00"), FreeShippingProgress(Decimal("100.00"), Decimal("40.00"))),
        (BIGCOMMERCE["Sydney metro"], _cart("30.00"), FreeShippingProgress(Decimal("50.00"), Decimal("20.00"))),
        (BIGCOMMERCE["Sydney metro"], _cart("75.00"), FreeShippingProgress(Decimal("50.00"), Decimal("0.00"))),
        (BIGCOMMERCE["Central London"], _cart("5.00"), None),
        (BIGCOMMERCE["Australia"], _cart("500.00"), None),
        (SHOPIFY["Domestic"], _cart("20.00", weight_g=1000), FreeShippingProgress(Decimal("50.00"), Decimal("30.00"))),
        (SHOPIFY["Domestic"], _cart("49.99", weight_g=1000), FreeShippingProgress(Decimal("50.00"), Decimal("0.01"))),
        (SHOPIFY["Domestic"], _cart("20.00", weight_g=6000), None),
    ],
    ids=[
        "bc-zone-threshold-pending",
        "bc-free-total-tier-pending",
        "bc-free-total-tier-reached",
        "bc-always-free-needs-no-progress",
        "bc-no-free-path",
        "shopify-free-rate-pending",
        "shopify-one-cent-short",
        "shopify-too-heavy-for-the-free-rate",
    ],
)
def test_free_shipping_progress(zone: Zone, cart: Cart, progress: FreeShippingProgress | None) -> None:
    _, found = quote_zone(zone, cart, "USD")
    assert found == progress


def test_carrier_with_a_typical_cost_shows_it_with_participant_fees() -> None:
    zone = SHOPIFY["Domestic"]
    dhl = next(m for m in zone.methods if m.name == "DHL Express")
    zone = replace(zone, methods=(replace(dhl, typical_cost=Decimal("9.00")),))
    quotes, _ = quote_zone(zone, _cart("20.00"), "EUR")
    # 9.00 + 2.00 fixed + 5 % of 9.00
    assert (quotes[0].cost, quotes[0].handling, quotes[0].computable) == (Decimal("11.45"), Decimal("2.45"), False)
    assert not quotes[0].free


def test_a_handling_fee_keeps_a_free_rate_from_counting_as_free() -> None:
    zone = Zone(
        "1",
        "Local",
        methods=(
            Method("1", "Pickup point", MethodKind.FLAT, min_subtotal=Decimal(30), handling=Handling(Decimal(1))),
        ),
    )
    quotes, progress = quote_zone(zone, _cart("40.00"), "EUR")
    assert (quotes[0].cost, quotes[0].free, progress) == (Decimal("1.00"), False, None)


@pytest.mark.parametrize(
    ("currency", "rate", "expected"),
    [("JPY", "500.5", Decimal("501")), ("EUR", "4.125", Decimal("4.13")), ("BHD", "1.2345", Decimal("1.235"))],
    ids=["jpy-no-decimals", "eur-half-up", "bhd-three-decimals"],
)
def test_costs_round_half_up_to_the_currency_minor_unit(currency: str, rate: str, expected: Decimal) -> None:
    zone = Zone("1", "Z", methods=(Method("1", "Flat", MethodKind.FLAT, rate=Decimal(rate)),))
    quotes, _ = quote_zone(zone, _cart("10"), currency)
    assert quotes[0].cost == expected
    assert quotes[0].cost is not None and quotes[0].cost.as_tuple().exponent == expected.as_tuple().exponent


def test_weight_method_without_matching_tier_or_default_is_not_offered() -> None:
    method = Method("1", "Light only", MethodKind.WEIGHT, tiers=(Tier(Decimal(0), Decimal(1000), Decimal(3)),))
    quotes, _ = quote_zone(Zone("1", "Z", methods=(method,)), _cart("10", weight_g=1500), "EUR")
    assert quotes == ()
