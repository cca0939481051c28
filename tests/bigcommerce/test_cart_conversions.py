"""BigCommerce orders per holdout variant: the storefront script sent the cart's variant, the order arrives as a
lightweight webhook, is fetched back with its `cart_id`, and is counted once in its group on its shop-local day."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from plugin.admin.conversions import read_conversions
from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.mapping import order_from_bigcommerce
from plugin.bigcommerce.store_sync import sync_facts
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, demo_cart_id, demo_store
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shops import StoredToken
from tests.conftest import AppClientFactory
from tests.journey.conftest import drain_events

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
STORE_ORIGIN = "https://demo-store.example"
# 02:30 UTC on 3 November is still 2 November in the store's timezone (America/New_York, UTC-5).
PLACED = "Tue, 03 Nov 2026 02:30:00 +0000"
STORE_DAY = date(2026, 11, 2)
DAYS = [date(2026, 11, 2), date(2026, 11, 3)]


def test_the_order_carries_its_storefront_cart_id() -> None:
    store = demo_store()
    tagged = order_from_bigcommerce(SHOP, store.orders[100])
    from_control_panel = order_from_bigcommerce(SHOP, store.orders[102])  # "cart_id": ""
    assert tagged.cart_id == demo_cart_id(DEMO_STORE_HASH, 100) == store.orders[100]["cart_id"]
    assert len(tagged.cart_id) == 36 and tagged.cart_id.count("-") == 4
    assert from_control_panel.cart_id is None


async def _install(services: Services, emulator: BigCommerceEmulator) -> None:
    await services.shops.save_token(SHOP, StoredToken(emulator.store().access_token, "store_v2_orders_read_only"))
    platform = services.platforms["bigcommerce"]
    assert isinstance(platform, BigCommercePlatform)
    await sync_facts(await platform.api(SHOP), services.redis, services.keys, SHOP)


async def _tag(client: httpx.AsyncClient, cart_id: str, variant: str) -> None:
    """What the storefront script sends once per cart, with analytics consent."""
    answer = await client.post(
        f"/storefront/bigcommerce/{DEMO_STORE_HASH}/cart-variant",
        json={"consent": "analytics", "cart_id": cart_id, "variant": variant},
        headers={"Origin": STORE_ORIGIN},
    )
    assert answer.status_code == 204, answer.text


async def _order_created(client: httpx.AsyncClient, emulator: BigCommerceEmulator, order_id: int) -> str:
    headers, body = emulator.webhook_delivery("store/order/created", data={"type": "order", "id": order_id})
    answer = await client.post("/webhooks/bigcommerce", headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    again = await client.post("/webhooks/bigcommerce", headers=headers, content=body)  # the same delivery, retried
    assert again.json() == {"status": "duplicate"}
    return str(answer.json()["status"])


async def test_an_order_from_a_tagged_cart_counts_once_in_its_variant_on_the_store_day(
    services: Services, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, app_client: AppClientFactory
) -> None:
    await _install(services, emulator)
    orders = emulator.store().orders
    for order_id in (100, 101):
        orders[order_id].update(date_created=PLACED, date_modified=PLACED)
    async with app_client(http=emulator_http) as client:
        await _tag(client, str(orders[100]["cart_id"]), "control")
        assert await _order_created(client, emulator, 100) == "queued"
        await drain_events(services)
        # BigCommerce sends the event again under a new delivery id: handled again, counted no more.
        assert await _order_created(client, emulator, 100) == "queued"
        # A status update of the same order fetches it again, with the same cart id: not a new order.
        headers, body = emulator.webhook_delivery("store/order/statusUpdated")
        assert (await client.post("/webhooks/bigcommerce", headers=headers, content=body)).status_code == 200
        await drain_events(services)

    counts = await read_conversions(services.redis, services.keys, SHOP, DAYS)
    assert counts == {STORE_DAY: {"treatment": 0, "control": 1}, date(2026, 11, 3): {"treatment": 0, "control": 0}}


async def test_orders_from_untagged_carts_or_without_a_cart_are_not_counted(
    services: Services, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, app_client: AppClientFactory
) -> None:
    await _install(services, emulator)
    orders = emulator.store().orders
    for order_id in (101, 102):
        orders[order_id].update(date_created=PLACED, date_modified=PLACED)
    async with app_client(http=emulator_http) as client:
        await _tag(client, "0f8a2c1e-0000-4000-8000-000000000000", "treatment")  # a cart never ordered
        await _order_created(client, emulator, 101)  # its shopper gave no consent: the cart was never tagged
        await _order_created(client, emulator, 102)  # entered in the control panel: "cart_id": ""
        assert await drain_events(services) == 2

    counts = await read_conversions(services.redis, services.keys, SHOP, DAYS)
    assert all(day == {"treatment": 0, "control": 0} for day in counts.values())


async def test_an_order_from_a_treatment_cart_counts_in_treatment(
    services: Services, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, app_client: AppClientFactory
) -> None:
    await _install(services, emulator)
    order = emulator.store().orders[101]
    order.update(cart_id="7d1c9a52-3f0e-4b8e-9f6a-2c5d8e1b4a70", date_created=PLACED, date_modified=PLACED)
    async with app_client(http=emulator_http) as client:
        await _tag(client, "7d1c9a52-3f0e-4b8e-9f6a-2c5d8e1b4a70", "treatment")
        await _order_created(client, emulator, 101)
        await drain_events(services)

    counts = await read_conversions(services.redis, services.keys, SHOP, [STORE_DAY])
    assert counts == {STORE_DAY: {"treatment": 1, "control": 0}}
