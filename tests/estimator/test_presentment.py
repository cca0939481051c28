"""The presentment currency: which rate is trusted, how each platform rounds, and a setup converted as a whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from plugin.currencies import ShopCurrency, currencies_from_bigcommerce, currencies_from_shopify, with_currencies
from plugin.devstore.bigcommerce import demo_currencies
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.rates import DeliveryProfile, Handling, Method, MethodKind, Region, ShippingSetup, Tier, Zone
from widgets.estimator import EstimateRequest, estimate
from widgets.estimator.presentment import (
    NO_RATE,
    NOT_SOLD,
    PLATFORM,
    SHOP,
    STOREFRONT,
    CurrencyQueryError,
    Presentment,
    choose_presentment,
    presentment_for_query,
    presentment_setup,
)
from widgets.estimator.profiles import CartLine

SHOPIFY = ShopFacts(ShopRef("shopify", "euro-shop.myshopify.com"), "Euro shop", "EUR", "Europe/Berlin", "DE")
BIGCOMMERCE = ShopFacts(ShopRef("bigcommerce", "abc123"), "Dollar store", "USD", "America/New_York", "US")
MARKETS = {
    "shop": {
        "currencySettings": {
            "nodes": [
                {"currencyCode": "USD", "enabled": True, "manualRate": None},
                {"currencyCode": "CHF", "enabled": True, "manualRate": "0.9400"},
                {"currencyCode": "JPY", "enabled": False, "manualRate": None},
            ]
        }
    }
}


def _shopify(**changes: object) -> ShopFacts:
    return replace(SHOPIFY, extra=with_currencies({}, currencies_from_shopify(MARKETS)), **changes)  # type: ignore[arg-type]


def _bigcommerce() -> ShopFacts:
    return replace(BIGCOMMERCE, extra=with_currencies({}, currencies_from_bigcommerce(demo_currencies())))


def test_shopify_currency_settings_map_to_the_presentment_currencies() -> None:
    assert currencies_from_shopify(MARKETS) == [
        ShopCurrency("USD", True, None),
        ShopCurrency("CHF", True, Decimal("0.9400")),
        ShopCurrency("JPY", False, None),
    ]


def test_bigcommerce_currencies_keep_the_stores_rate_and_decimal_places_and_leave_out_the_default() -> None:
    found = {currency.code: currency for currency in currencies_from_bigcommerce(demo_currencies())}
    assert set(found) == {"EUR", "CAD", "JPY", "GBP"}
    assert found["EUR"] == ShopCurrency("EUR", True, Decimal("0.9216"), 2)
    assert found["JPY"] == ShopCurrency("JPY", True, Decimal("149.5"), 0)
    assert found["GBP"].enabled is False


@pytest.mark.parametrize(
    ("facts", "asked", "storefront_rate", "expected"),
    [
        (_shopify(), "EUR", None, ("EUR", Decimal(1), SHOP)),
        (_shopify(), "USD", Decimal("1.0843"), ("USD", Decimal("1.0843"), STOREFRONT)),
        (_shopify(), "USD", None, ("EUR", Decimal(1), NO_RATE)),
        (_shopify(), "USD", Decimal("0"), ("EUR", Decimal(1), NO_RATE)),  # outside the sane range: ignored
        (_shopify(), "USD", Decimal("2000000"), ("EUR", Decimal(1), NO_RATE)),
        (_shopify(), "CHF", Decimal("2"), ("CHF", Decimal("0.9400"), PLATFORM)),  # the manual rate wins
        (_shopify(), "JPY", Decimal("160"), ("EUR", Decimal(1), NOT_SOLD)),  # switched off in Markets
        (_shopify(), "GBP", Decimal("0.86"), ("EUR", Decimal(1), NOT_SOLD)),  # not a market currency at all
        (_shopify(), "XYZ", Decimal("1.5"), ("EUR", Decimal(1), NOT_SOLD)),  # well-formed, not ISO 4217
        (SHOPIFY, "USD", Decimal("1.0843"), ("USD", Decimal("1.0843"), STOREFRONT)),  # currencies never synced
        (_bigcommerce(), "EUR", Decimal("5"), ("EUR", Decimal("0.9216"), PLATFORM)),  # the browser's is ignored
        (_bigcommerce(), "GBP", Decimal("0.79"), ("USD", Decimal(1), NOT_SOLD)),  # disabled in the store
        (BIGCOMMERCE, "EUR", Decimal("0.92"), ("USD", Decimal(1), NO_RATE)),  # BigCommerce rates come from its API
    ],
    ids=[
        "own",
        "shopify-storefront-rate",
        "shopify-no-rate",
        "shopify-zero-rate",
        "shopify-absurd-rate",
        "shopify-manual-rate",
        "shopify-disabled",
        "shopify-unsold",
        "not-iso",
        "shopify-unsynced",
        "bigcommerce-api-rate",
        "bigcommerce-disabled",
        "bigcommerce-unsynced",
    ],
)
def test_which_rate_is_trusted(
    facts: ShopFacts, asked: str, storefront_rate: Decimal | None, expected: tuple[str, Decimal, str]
) -> None:
    chosen = choose_presentment(facts, asked, storefront_rate)
    assert (chosen.currency, chosen.rate, chosen.source) == expected
    assert chosen.requested == asked


@pytest.mark.parametrize(
    ("presentment", "amount", "shown"),
    [
        # Shopify: x rate, half up to ISO minor units.
        (Presentment("USD", "USD", Decimal("1.0843"), 2, STOREFRONT), Decimal("50"), Decimal("54.22")),  # 54.215
        (Presentment("USD", "USD", Decimal("1.0843"), 2, STOREFRONT), Decimal("4.90"), Decimal("5.31")),  # 5.31307
        (Presentment("JPY", "JPY", Decimal("162.35"), 0, STOREFRONT), Decimal("4.90"), Decimal("796")),  # 795.515
        (Presentment("KWD", "KWD", Decimal("0.3321"), 3, STOREFRONT), Decimal("9.90"), Decimal("3.288")),  # 3.28779
        # BigCommerce: x currency_exchange_rate, half up to the store's decimal_places for the currency.
        (Presentment("JPY", "JPY", Decimal("149.5"), 0, PLATFORM), Decimal("5.99"), Decimal("896")),  # 895.505
        (Presentment("EUR", "EUR", Decimal("0.9216"), 2, PLATFORM), Decimal("75.00"), Decimal("69.12")),
        (Presentment("EUR", "EUR", Decimal("0.9216"), 0, PLATFORM), Decimal("5.99"), Decimal("6")),  # 5.520384
        (Presentment("EUR", "EUR", Decimal(1), 2, SHOP), Decimal("4.90"), Decimal("4.90")),
    ],
    ids=["usd-half-up", "usd-cost", "jpy-whole-yen", "kwd-three", "bc-jpy-0", "bc-eur", "bc-no-decimals", "own"],
)
def test_rounding_as_the_platform_rounds(presentment: Presentment, amount: Decimal, shown: Decimal) -> None:
    converted = presentment.convert(amount)
    assert converted == shown and converted.as_tuple().exponent == shown.as_tuple().exponent


def test_a_converted_setup_prices_a_cart_in_the_shoppers_currency_with_its_free_shipping_progress() -> None:
    zone = Zone(
        "de",
        "Germany",
        regions=(Region("DE"),),
        free_shipping_threshold=Decimal("50"),
        handling=Handling(fixed=Decimal("1.00")),
        methods=(
            Method("std", "Standard", MethodKind.FLAT, rate=Decimal("3.90")),
            Method(
                "heavy",
                "By weight",
                MethodKind.WEIGHT,
                tiers=(Tier(Decimal(0), Decimal(1000), Decimal("6.00")),),  # grams stay grams
            ),
            Method(
                "total",
                "By value",
                MethodKind.TOTAL,
                tiers=(Tier(Decimal(0), Decimal("30"), Decimal("8.00")), Tier(Decimal("30"), None, Decimal("2.00"))),
            ),
        ),
    )
    setup = ShippingSetup("DE", "Europe/Berlin", "EUR", zones=(zone,), processing_days=0)
    usd = Presentment("USD", "USD", Decimal("1.0843"), 2, STOREFRONT)
    converted = presentment_setup(setup, usd)
    assert converted.currency == "USD"
    # $34.00 is over the converted $32.53 tier bound (EUR 30) and $20.22 short of the converted $54.22 threshold.
    result = estimate(
        converted, EstimateRequest("DE", Decimal("34.00"), "USD", weight_g=500), datetime(2026, 11, 17, tzinfo=UTC)
    )
    costs = {option.name: option.cost for option in result.options}
    # Each amount converted then rounded, as the platform does: 3.90 -> 4.23, fee 1.00 -> 1.08, 6.00 -> 6.51.
    assert costs == {"Standard": Decimal("5.31"), "By weight": Decimal("7.59"), "By value": Decimal("3.25")}
    assert result.currency == "USD"
    assert result.free_shipping is not None
    assert (result.free_shipping.threshold, result.free_shipping.remaining) == (Decimal("54.22"), Decimal("20.22"))


def test_a_setup_in_the_shops_own_currency_is_left_as_it_is() -> None:
    setup = ShippingSetup("DE", "Europe/Berlin", "EUR")
    assert presentment_setup(setup, choose_presentment(SHOPIFY, "EUR")) is setup


@pytest.mark.parametrize(
    ("currency", "rate", "field"),
    [("EURO", None, "currency"), ("€", None, "currency"), ("USD", "1e3", "rate"), ("USD", "-1", "rate")],
    ids=["four-letters", "symbol", "exponent", "negative"],
)
def test_a_malformed_badge_query_is_refused(currency: str, rate: str | None, field: str) -> None:
    with pytest.raises(CurrencyQueryError) as caught:
        presentment_for_query(_shopify(), currency, rate)
    assert caught.value.field == field


def test_a_product_specific_profiles_rates_are_converted_too() -> None:
    germany = (Region("DE"),)
    default = Zone(
        "de", "Germany", regions=germany, methods=(Method("std", "Standard", MethodKind.FLAT, rate=Decimal("3.90")),)
    )
    bulky = DeliveryProfile(
        "gid://shopify/DeliveryProfile/2",
        "Bulky goods",
        product_ids=frozenset({"42"}),
        zones=(
            Zone(
                "bulky-de",
                "Germany",
                regions=germany,
                methods=(Method("freight", "Freight", MethodKind.FLAT, rate=Decimal("20.00")),),
            ),
        ),
    )
    setup = ShippingSetup("DE", "Europe/Berlin", "EUR", zones=(default,), profiles=(bulky,), processing_days=0)
    usd = Presentment("USD", "USD", Decimal("1.0843"), 2, STOREFRONT)
    request = EstimateRequest("DE", Decimal("100.00"), "USD", items=(CartLine("42"),))
    result = estimate(presentment_setup(setup, usd), request, datetime(2026, 11, 17, tzinfo=UTC))
    # EUR 20.00 x 1.0843 = USD 21.686 -> 21.69: the profile's rate in the shopper's currency, never the euro figure.
    assert {option.name: option.cost for option in result.options} == {"Freight": Decimal("21.69")}
