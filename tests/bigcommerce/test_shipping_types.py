"""Every zone type and method type BigCommerce documents for /v2/shipping/zones and /zones/{id}/methods, from the
emulator's documented shapes through the store sync to a storefront estimate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from plugin.bigcommerce.rest import BigCommerceRest
from plugin.bigcommerce.store_sync import sync_facts, sync_shipping
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator
from plugin.keys import ShopRef
from plugin.rates import MethodKind, ShippingSetup, zones_from_bigcommerce
from plugin.services import Services
from plugin.shop_data import load_shipping_setup
from tests.bigcommerce.conftest import EMULATOR_BASE, RecordingSleep
from widgets.estimator import Estimate, estimate, parse_estimate_request
from widgets.estimator.matching import MatchLevel

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
TUESDAY = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)

# The ShippingMethodType enum of the Shipping V2 reference: the five rate types priced here, and the carriers.
DOCUMENTED_TYPES = {
    "perorder": MethodKind.FLAT,
    "peritem": MethodKind.PER_ITEM,
    "weight": MethodKind.WEIGHT,
    "total": MethodKind.TOTAL,
    "freeshipping": MethodKind.FREE,
    "auspost": MethodKind.CARRIER,
    "canadapost": MethodKind.CARRIER,
    "endicia": MethodKind.CARRIER,
    "usps": MethodKind.CARRIER,
    "fedex": MethodKind.CARRIER,
    "royalmail": MethodKind.CARRIER,
    "upsready": MethodKind.CARRIER,
}


@pytest.mark.parametrize(("platform_type", "kind"), DOCUMENTED_TYPES.items(), ids=list(DOCUMENTED_TYPES))
def test_every_documented_method_type_maps_to_a_kind(platform_type: str, kind: MethodKind) -> None:
    zone = {"id": 1, "name": "US", "type": "country", "locations": [{"country_iso2": "US"}], "enabled": True}
    method: dict[str, Any] = {"id": 7, "name": platform_type, "type": platform_type, "settings": {}, "enabled": True}
    [mapped] = zones_from_bigcommerce([zone], {1: [method]}, weight_unit="LBS")
    assert mapped.methods[0].kind is kind
    assert mapped.methods[0].computable is (kind is not MethodKind.CARRIER)


@pytest.fixture
async def synced(services: Services, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient) -> ShippingSetup:
    api = BigCommerceRest(emulator_http, BigCommerceEmulator.origins(EMULATOR_BASE)[0], sleep=RecordingSleep())
    store_api = api.store(DEMO_STORE_HASH, emulator.store().access_token)
    facts = await sync_facts(store_api, services.redis, services.keys, SHOP)
    assert await sync_shipping(store_api, services.redis, services.keys, facts) == 4
    setup = await load_shipping_setup(services.redis, services.keys, SHOP)
    assert setup is not None
    return setup


def _ask(setup: ShippingSetup, **query: str) -> Estimate:
    raw = {"subtotal": "30.00", "weight_g": "500", "currency": "USD", **query}
    return estimate(setup, parse_estimate_request(raw, shop_currency="USD"), TUESDAY)


def _prices(result: Estimate) -> list[tuple[str, Decimal | None, bool]]:
    return [(o.name, o.cost, o.free) for o in result.options]


@pytest.mark.anyio
async def test_a_zip_zone_prices_order_total_ranges_and_free_shipping(synced: ShippingSetup) -> None:
    result = _ask(synced, country="US", postcode="10002")
    assert (result.zone_name, result.match) == ("Manhattan", MatchLevel.POSTCODE)
    # The documented "Per Total or Free" ranges: 20-49.99 costs 15; 50 and up costs nothing.
    assert _prices(result) == [("Free Shipping", Decimal("0.00"), True), ("Per Total or Free", Decimal("15.00"), False)]
    rich = _ask(synced, country="US", postcode="10002", subtotal="60.00")
    assert ("Per Total or Free", Decimal("0.00"), True) in _prices(rich)


@pytest.mark.anyio
async def test_a_state_zone_prices_per_item_and_leaves_the_carrier_to_checkout(synced: ShippingSetup) -> None:
    result = _ask(synced, country="US", province="AK", item_count="3")
    assert (result.zone_name, result.match) == ("Alaska and Hawaii", MatchLevel.PROVINCE)
    assert _prices(result) == [("Flat Rate per Item", Decimal("24.00"), False), ("UPS ready", None, False)]
    assert result.calculated_at_checkout == ("UPS ready",)


@pytest.mark.anyio
async def test_elsewhere_the_country_zone_answers(synced: ShippingSetup) -> None:
    for query in ({"postcode": "10010"}, {"province": "NY"}, {}):
        result = _ask(synced, country="US", **query)
        assert result.zone_name == "United States", query
        assert _prices(result) == [("By weight", Decimal("4.99"), False), ("Standard", Decimal("5.99"), False)], query
