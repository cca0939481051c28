"""Every delivery profile, synced from the emulator's documented GraphQL shapes, then estimated: product-specific
rates win, a cart spanning profiles combines as Shopify documents, pickup shows only where it serves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from plugin.devstore.shopify import ShopifyEmulator
from plugin.devstore.shopify_demo import DEMO_PRODUCT_IDS
from plugin.keys import ShopRef
from plugin.rates import ShippingSetup, setup_from_dict, setup_to_dict
from plugin.services import Services
from plugin.shop_data import load_shipping_setup
from plugin.shopify.sync import sync_shipping_zones, sync_shop_facts
from tests.shopify.conftest import emulator, emulator_http, installed, services
from widgets.estimator import Estimate, EstimateInputError, estimate, parse_estimate_request

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "installed", "services"]

MONDAY_MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


def _line(handle: str, quantity: int = 1, grams: int = 400) -> str:
    product, variant = DEMO_PRODUCT_IDS[handle]
    return f"{product}:{variant}:{quantity}:{grams}"


async def _synced(services: Services, shop: ShopRef) -> ShippingSetup:
    await sync_shop_facts(services, shop, {})
    await sync_shipping_zones(services, shop, {})
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    return setup


def _estimate(setup: ShippingSetup, **query: str) -> Estimate:
    raw = {"subtotal": "30.00", "weight_g": "400", **query}
    return estimate(setup, parse_estimate_request(raw, shop_currency="EUR"), MONDAY_MORNING)


def _prices(result: Estimate) -> list[tuple[str, str, Decimal | None]]:
    return [(o.kind, o.name, o.cost) for o in result.options]


async def test_sync_reads_every_profile_page_with_its_products_locations_and_pickup(
    services: Services, installed: ShopRef, emulator: ShopifyEmulator
) -> None:
    setup = await _synced(services, installed)
    # One profile a page (the nested zones x methods are the costly part), then the custom profile's items.
    assert emulator.graphql_roots["deliveryProfiles"] == 2
    assert emulator.graphql_roots["deliveryProfile"] == 1
    assert [zone.name for zone in setup.zones] == ["Germany", "Europe", "Rest of world"]
    [fragile] = setup.profiles
    assert fragile.name == "Fragile goods"
    assert fragile.product_ids == {"632910394"} and fragile.variant_ids == {"808950812"}
    assert {zone.name for zone in fragile.zones} == {"Germany", "Europe"}
    assert fragile.location_ids == {"41", "42"} == setup.default_location_ids
    # Only the location whose localPickupSettingsV2 is set offers pickup.
    assert [(p.id, p.name, p.country, p.province, p.ready) for p in setup.pickups] == [
        ("41", "Berlin shop", "DE", "BE", "TWO_HOURS")
    ]
    assert all(zone.ships_from == ("DE",) for zone in (*setup.zones, *fragile.zones))
    assert setup_from_dict(setup_to_dict(setup)) == setup


async def test_a_product_in_a_product_specific_profile_gets_that_profiles_rate(
    services: Services, installed: ShopRef
) -> None:
    setup = await _synced(services, installed)
    mug = _estimate(setup, country="FR", items=_line("enamel-mug", grams=250))
    tote = _estimate(setup, country="FR", items=_line("canvas-tote"))
    unknown = _estimate(setup, country="FR")  # no items: the default profile, as before
    assert _prices(mug) == [("shipping", "Standard", Decimal("14.90"))]
    assert _prices(tote) == _prices(unknown) == [("shipping", "Standard", Decimal("9.90"))]
    assert mug.ships_from == ("DE",)
    # The product id alone (a page without a chosen variant) finds the profile too.
    by_product = _estimate(setup, country="FR", items=DEMO_PRODUCT_IDS["enamel-mug"][0])
    assert _prices(by_product) == _prices(mug)


async def test_a_product_whose_profile_does_not_ship_there_is_not_shipped(
    services: Services, installed: ShopRef
) -> None:
    setup = await _synced(services, installed)
    assert not _estimate(setup, country="US", items=_line("enamel-mug")).ships_here
    assert _estimate(setup, country="US", items=_line("canvas-tote")).ships_here  # the General profile's rest of world
    mixed = ",".join((_line("canvas-tote"), _line("enamel-mug")))
    assert not _estimate(setup, country="US", items=mixed).ships_here


async def test_a_cart_spanning_profiles_adds_up_same_named_rates(services: Services, installed: ShopRef) -> None:
    setup = await _synced(services, installed)
    cart = ",".join((_line("canvas-tote", 2), _line("enamel-mug", 1, grams=250)))
    result = _estimate(setup, country="DE", subtotal="64.30", weight_g="1050", item_count="3", items=cart)
    shipped = [(name, cost) for kind, name, cost in _prices(result) if kind == "shipping"]
    # General: Standard 4.90, Free shipping (over 50), Express 9.90; Fragile goods: Standard 6.90, Express 12.90.
    # Shopify adds rates of the same name; "Free shipping" exists in one profile only, so it is not offered.
    assert shipped == [("Standard", Decimal("11.80")), ("Express", Decimal("22.80"))]
    assert result.free_shipping is None  # a threshold of one profile does not make the order ship free
    assert result.zone_name == "Germany"


async def test_a_cart_with_no_shared_rate_name_gets_the_cheapest_of_each_as_shipping(
    services: Services, installed: ShopRef
) -> None:
    setup = await _synced(services, installed)
    cart = ",".join((_line("canvas-tote"), _line("enamel-mug", grams=250)))
    fragile = setup.profiles[0]
    zones = tuple(
        replace(zone, methods=tuple(replace(m, name=f"Fragile {m.name}") for m in zone.methods))
        for zone in fragile.zones
    )
    renamed = replace(setup, profiles=(replace(fragile, zones=zones),))
    result = _estimate(renamed, country="FR", items=cart)
    assert _prices(result) == [("shipping", "Shipping", Decimal("24.80"))]  # 9.90 + 14.90


@pytest.mark.parametrize(
    ("query", "pickup"),
    [
        ({"country": "DE"}, True),
        ({"country": "DE", "province": "BE"}, True),
        ({"country": "DE", "province": "DE-BE"}, True),
        ({"country": "DE", "province": "BY"}, False),  # Bavaria: the Berlin location is not nearby
        ({"country": "AT"}, False),
    ],
    ids=["country", "province", "iso-province", "other-province", "other-country"],
)
async def test_pickup_shows_as_pickup_only_where_the_location_is(
    services: Services, installed: ShopRef, query: dict[str, str], pickup: bool
) -> None:
    setup = await _synced(services, installed)
    result = _estimate(setup, **query)
    pickups = [o for o in result.options if o.kind == "pickup"]
    if not pickup:
        assert pickups == []
        return
    [option] = pickups
    assert (option.name, option.cost, option.free, option.ready) == ("Berlin shop", Decimal("0.00"), True, "TWO_HOURS")
    assert option.earliest is None  # collected, not delivered: a ready time instead of dates


async def test_pickup_needs_every_profile_in_the_cart_to_ship_from_the_location(
    services: Services, installed: ShopRef
) -> None:
    setup = await _synced(services, installed)
    elsewhere = replace(setup, profiles=(replace(setup.profiles[0], location_ids=frozenset({"42"})),))
    assert [o.kind for o in _estimate(elsewhere, country="DE", items=_line("canvas-tote")).options][-1] == "pickup"
    assert "pickup" not in [o.kind for o in _estimate(elsewhere, country="DE", items=_line("enamel-mug")).options]


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ("abc", "numeric ids"),
        ("1:2:0", "quantity must be between 1"),
        ("1:2:1:9999999", "per item"),
        (",".join(["1"] * 101), "at most 100 lines"),
    ],
    ids=["not-numeric", "zero-quantity", "too-heavy", "too-many"],
)
def test_bad_items_are_refused_with_a_reason(items: str, reason: str) -> None:
    with pytest.raises(EstimateInputError) as caught:
        parse_estimate_request({"country": "DE", "subtotal": "10", "items": items}, shop_currency="EUR")
    assert caught.value.field == "items" and reason in caught.value.reason
