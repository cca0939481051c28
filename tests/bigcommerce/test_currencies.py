"""A BigCommerce store in USD answers a shopper in EUR, CAD or JPY with its own exchange rates and decimal places,
read from GET /v2/currencies during sync; a disabled or unknown currency is answered in USD, saying so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.store_sync import sync_facts, sync_shipping
from plugin.currencies import ShopCurrency, shop_currencies
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, demo_currencies
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.shops import StoredToken
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
ESTIMATE = f"/storefront/bigcommerce/{DEMO_STORE_HASH}/estimate"
ORIGIN = {"Origin": "https://demo-store.example"}
# The demo store's US zone: Standard $5.99 per order, by weight $4.99 up to 2 lb, free shipping from $75.00.
CART = {"country": "US", "weight_g": "500"}


@pytest.fixture
async def synced(services: Services, emulator: BigCommerceEmulator) -> ShopRef:
    await services.shops.save_token(SHOP, StoredToken(emulator.store().access_token, "store_v2_information_read_only"))
    platform = services.platforms["bigcommerce"]
    assert isinstance(platform, BigCommercePlatform)
    api = await platform.api(SHOP)
    facts = await sync_facts(api, services.redis, services.keys, SHOP)
    await sync_shipping(api, services.redis, services.keys, facts)
    return SHOP


async def test_the_currency_api_is_read_during_sync(services: Services, synced: ShopRef) -> None:
    facts = await load_facts(services.redis, services.keys, synced)
    assert facts is not None
    found = shop_currencies(facts)
    assert found is not None
    assert found["EUR"] == ShopCurrency("EUR", True, Decimal("0.9216"), 2)
    assert found["JPY"].decimal_places == 0 and found["GBP"].enabled is False
    assert "USD" not in found  # the default currency is the store's own


@pytest.mark.parametrize(
    ("currency", "subtotal", "costs", "progress"),
    [
        # x currency_exchange_rate, half up to the currency's decimal_places: 5.99 x 0.9216 = 5.520384.
        ("EUR", "46.08", ["4.60", "5.52"], {"threshold": "69.12", "remaining": "23.04"}),
        ("CAD", "68.51", ["6.84", "8.21"], {"threshold": "102.77", "remaining": "34.26"}),  # 102.765 rounds up
        # JPY is set to 0 decimal places in the store: 4.99 x 149.5 = 746.005 -> 746, 5.99 -> 895.505 -> 896.
        ("JPY", "7475", ["746", "896"], {"threshold": "11213", "remaining": "3738"}),
    ],
    ids=["eur", "cad", "jpy-no-decimals"],
)
async def test_a_shopper_is_answered_in_the_stores_currency_at_its_own_rate(
    app_client: AppClientFactory,
    synced: ShopRef,
    currency: str,
    subtotal: str,
    costs: list[str],
    progress: dict[str, str],
) -> None:
    params = {**CART, "currency": currency, "subtotal": subtotal, "rate": "99"}  # a browser rate is never used
    async with app_client() as client:
        answer = await client.get(ESTIMATE, params=params, headers=ORIGIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["currency"], body["currency_message"]) == ("quoted", currency, None)
    assert [option["cost"] for option in body["options"]] == costs
    assert body["free_shipping"] == progress


async def test_the_fragment_writes_a_currency_with_the_stores_decimal_places(
    app_client: AppClientFactory, synced: ShopRef
) -> None:
    params = {**CART, "currency": "JPY", "subtotal": "7475", "locale": "en", "bucket": "50"}
    async with app_client() as client:
        answer = await client.get(ESTIMATE.replace("/estimate", "/widgets/estimate"), params=params, headers=ORIGIN)
    assert answer.status_code == 200
    assert "¥746" in answer.text and "¥896" in answer.text and "Add ¥3,738 more for free shipping" in answer.text


@pytest.mark.parametrize("currency", ["GBP", "CHF"], ids=["disabled-in-the-store", "not-in-the-store"])
async def test_a_currency_the_store_does_not_sell_in_is_answered_in_dollars(
    app_client: AppClientFactory, synced: ShopRef, currency: str
) -> None:
    async with app_client() as client:
        answer = await client.get(ESTIMATE, params={**CART, "currency": currency, "subtotal": "40.00"}, headers=ORIGIN)
    assert answer.status_code == 200
    body = answer.json()
    assert body["currency"] == "USD"
    assert body["currency_message"] == f"Shipping costs are shown in USD: this shop does not sell in {currency}."
    assert [option["cost"] for option in body["options"]] == ["4.99", "5.99"]
    assert body["free_shipping"] is None


def test_the_emulator_lists_currencies_shaped_like_the_reference() -> None:
    reference_fields = {
        "id", "is_default", "last_updated", "country_iso2", "currency_code", "currency_exchange_rate", "auto_update",
        "token_location", "token", "decimal_token", "thousands_token", "decimal_places", "name", "is_transactional",
        "enabled",
    }  # fmt: skip
    for row in demo_currencies():
        assert set(row) == reference_fields
        assert isinstance(row["currency_exchange_rate"], str)  # "0.849" in the reference example
