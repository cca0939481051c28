"""The JSON-LD pieces built from a shipping setup and shop facts: what holds goes out, in schema.org's vocabulary
and with the fields Google requires; what the facts do not support is left out."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.rates import Method, MethodKind, Region, ShippingSetup, Tier, Zone
from tests.structured_data.vocabulary import (
    google_return_policy_problems,
    google_shipping_problems,
    schema_problems,
)
from widgets.settings import BadgeSettings
from widgets.structured_data.returns import merchant_return_policy, return_facts
from widgets.structured_data.shipping import OfferFacts, offer_shipping_details

WINTER = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
SHOP = ShopRef("shopify", "demo.myshopify.com")

STANDARD = Method("11", "Standard", MethodKind.FLAT, rate=Decimal("4.90"), transit_days=(2, 4))
BY_WEIGHT = Method(
    "12",
    "By weight",
    MethodKind.WEIGHT,
    tiers=(Tier(Decimal(0), Decimal(1000), Decimal("3.50")), Tier(Decimal(1000), None, Decimal("8.00"))),
)
CARRIER = Method("13", "DHL live rates", MethodKind.CARRIER, typical_cost=Decimal("7.00"))
GERMANY = Zone(
    "1", "Germany", (Region("DE"),), methods=(STANDARD, BY_WEIGHT, CARRIER), free_shipping_threshold=Decimal(50)
)
WORLD_RATE = Method("91", "World", MethodKind.FLAT, rate=Decimal(20))
WORLD = Zone("9", "Rest of world", rest_of_world=True, methods=(WORLD_RATE,))


def setup(*zones: Zone, **changes: Any) -> ShippingSetup:
    options: dict[str, Any] = {"processing_days": 1, "cutoff": time(14, 0), **changes}
    return ShippingSetup("DE", "Europe/Berlin", "EUR", zones=zones or (GERMANY, WORLD), **options)


def facts(**changes: Any) -> ShopFacts:
    return ShopFacts(SHOP, "Demo", "EUR", "Europe/Berlin", "DE", **changes)


def valid(node: Any) -> Any:
    assert schema_problems(node) == []
    return node


def test_each_method_with_a_rate_is_one_node_with_its_delivery_time() -> None:
    details = valid(offer_shipping_details(setup(), OfferFacts(Decimal("24.90")), WINTER))
    assert [d["shippingRate"]["value"] for d in details] == [4.90]  # weight unknown, carrier quoted live: left out
    [standard] = details
    assert google_shipping_problems(standard, "EUR") == []
    assert standard["shippingDestination"] == [{"@type": "DefinedRegion", "addressCountry": "DE"}]
    delivery = standard["deliveryTime"]
    assert delivery["handlingTime"] == {"@type": "QuantitativeValue", "minValue": 1, "maxValue": 1, "unitCode": "DAY"}
    assert delivery["transitTime"] == {"@type": "QuantitativeValue", "minValue": 2, "maxValue": 4, "unitCode": "DAY"}
    assert delivery["cutoffTime"] == "14:00:00+01:00"
    assert delivery["businessDays"]["dayOfWeek"][0] == "https://schema.org/Monday"


def test_the_cutoff_carries_the_shops_offset_of_the_season() -> None:
    [standard] = offer_shipping_details(setup(), OfferFacts(Decimal("24.90")), SUMMER)
    assert standard["deliveryTime"]["cutoffTime"] == "14:00:00+02:00"


def test_a_known_weight_prices_the_weight_tiers_and_a_price_over_the_threshold_ships_free() -> None:
    details = valid(offer_shipping_details(setup(), OfferFacts(Decimal("24.90"), weight_g=1500), WINTER))
    assert sorted(d["shippingRate"]["value"] for d in details) == [4.90, 8.00]
    free = offer_shipping_details(setup(), OfferFacts(Decimal("60.00"), weight_g=1500), WINTER)
    assert {d["shippingRate"]["value"] for d in free} == {0.0}


def test_no_window_means_no_delivery_time() -> None:
    plain = Zone("1", "Germany", (Region("DE"),), methods=(Method("1", "Post", MethodKind.FLAT, rate=Decimal(5)),))
    [details] = valid(offer_shipping_details(setup(plain), OfferFacts(Decimal(10)), WINTER))
    assert "deliveryTime" not in details
    assert google_shipping_problems(details, "EUR") == []
    [defaulted] = offer_shipping_details(setup(plain, default_transit_days=(3, 5)), OfferFacts(Decimal(10)), WINTER)
    assert defaulted["deliveryTime"]["transitTime"]["maxValue"] == 5


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (
            Region("US", provinces=("CA", "US-NY")),
            [
                {"@type": "DefinedRegion", "addressCountry": "US", "addressRegion": "CA"},
                {"@type": "DefinedRegion", "addressCountry": "US", "addressRegion": "NY"},
            ],
        ),
        (
            Region("AU", postcodes=("2000-2999", "3000", "SW1*")),
            [
                {
                    "@type": "DefinedRegion",
                    "addressCountry": "AU",
                    "postalCode": ["3000"],
                    "postalCodePrefix": ["SW1"],
                    "postalCodeRange": [
                        {"@type": "PostalCodeRangeSpecification", "postalCodeBegin": "2000", "postalCodeEnd": "2999"}
                    ],
                }
            ],
        ),
        (Region("GB", postcodes=("S*1",)), []),  # no schema.org form: left out rather than widened to all of GB
    ],
    ids=["provinces", "postcodes", "inexpressible-pattern"],
)
def test_destinations_are_as_narrow_as_the_zone(region: Region, expected: list[dict[str, Any]]) -> None:
    zone = Zone("1", "Zone", (region,), methods=(STANDARD,))
    details = valid(offer_shipping_details(setup(zone), OfferFacts(Decimal(10)), WINTER))
    assert [d["shippingDestination"] for d in details] == ([expected] if expected else [])
    for node in details:
        assert google_shipping_problems(node, "EUR") == []


def test_a_stated_window_makes_a_valid_return_policy() -> None:
    shop = facts(
        refund_policy_text="You can return items within 30 days for a full refund.",
        refund_policy_url="https://demo.example/policies/refund-policy",
        ship_to_countries=("DE", "AT"),
    )
    policy = merchant_return_policy(return_facts(shop, setup(), BadgeSettings(free_returns_confirmed=True)))
    assert policy == {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": ["DE", "AT"],
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 30,
        "returnFees": "https://schema.org/FreeReturn",
        "merchantReturnLink": "https://demo.example/policies/refund-policy",
    }
    assert schema_problems(policy) == [] and google_return_policy_problems(policy) == []


def test_without_a_window_there_is_no_return_policy_and_no_fee_is_guessed() -> None:
    no_window = facts(refund_policy_url="https://demo.example/policies/refund-policy")
    assert merchant_return_policy(return_facts(no_window, setup(), BadgeSettings(free_returns_confirmed=True))) is None
    unconfirmed = merchant_return_policy(
        return_facts(
            facts(refund_policy_text="You can return items within 14 days for a full refund."), setup(), BadgeSettings()
        )
    )
    assert unconfirmed is not None
    assert "returnFees" not in unconfirmed and "merchantReturnLink" not in unconfirmed
    assert unconfirmed["applicableCountry"] == "DE"  # no ship-to list: the countries of the shipping zones
    assert google_return_policy_problems(unconfirmed) == []


def test_the_validator_catches_what_schema_org_does_not_allow() -> None:
    assert schema_problems({"@type": "Offer", "merchantReturnDays": 3}) == [
        "$.merchantReturnDays: not a property of Offer"
    ]
    assert schema_problems({"@type": "OfferShippingDetail"}) == ["$: unknown type OfferShippingDetail"]
    bad_enum = {"@type": "MerchantReturnPolicy", "returnFees": "https://schema.org/FreeShipping"}
    assert schema_problems(bad_enum) == ["$.returnFees: FreeShipping is no ReturnFeesEnumeration"]
    wrong_range = {"@type": "Offer", "shippingDetails": {"@type": "MonetaryAmount"}}
    assert schema_problems(wrong_range) == ["$.shippingDetails: MonetaryAmount is not one of ['OfferShippingDetails']"]
