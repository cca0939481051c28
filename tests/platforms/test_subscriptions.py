"""The event handler registry decides which platform topics are subscribed, on both platforms."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest

from plugin import events
from plugin.app import handled_events
from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.devstore.shopify import DEMO_SHOP
from plugin.keys import ShopRef
from plugin.settings import Settings
from plugin.shop_data import load_facts
from plugin.shopify.adapter import ShopifyPlatform
from plugin.shopify.config import write_shopify_config
from tests.conftest import AppClientFactory
from tests.platforms.conftest import DevStores, Platform, run_worker_until_idle

pytestmark = pytest.mark.anyio
ORDERS_ONLY = frozenset({events.ORDER_CREATED})


async def test_only_topics_with_a_handler_are_subscribed(settings: Settings, services) -> None:
    shopify = ShopifyPlatform(settings, httpx.AsyncClient(), services.shops, handled_events=ORDERS_ONLY)
    bigcommerce = BigCommercePlatform(settings, httpx.AsyncClient(), services.shops, handled_events=ORDERS_ONLY)
    assert shopify.webhook_topics() == ("orders/create", "customers/data_request", "customers/redact", "shop/redact")
    assert bigcommerce.webhook_topics() == ("store/order/created",)
    assert bigcommerce.install_target().webhook_scopes == ("store/order/created",)


async def test_with_the_real_registry_every_declared_topic_is_handled(settings: Settings, services) -> None:
    handled = handled_events()
    shopify = ShopifyPlatform(settings, httpx.AsyncClient(), services.shops, handled_events=handled)
    bigcommerce = BigCommercePlatform(settings, httpx.AsyncClient(), services.shops, handled_events=handled)
    assert set(settings.manifest.shopify.webhook_topics) <= set(shopify.webhook_topics())
    assert bigcommerce.webhook_topics() == settings.manifest.bigcommerce.webhook_scopes


def test_shopify_config_declares_only_handled_topics(settings: Settings, tmp_path: Path) -> None:
    output = write_shopify_config(settings, tmp_path / "shopify.app.toml", ORDERS_ONLY)
    topics, compliance = tomllib.loads(output.read_text())["webhooks"]["subscriptions"]
    assert topics["topics"] == ["orders/create"]
    assert compliance["compliance_topics"] == ["customers/data_request", "customers/redact", "shop/redact"]


async def test_a_shopify_shop_update_refreshes_the_shop_facts(
    stores: DevStores, services, app_client: AppClientFactory, devstore_http
) -> None:
    # BigCommerce has no shop-update scope: its facts refresh on load and with the periodic re-sync.
    platform = Platform("shopify", ShopRef("shopify", DEMO_SHOP), "orders/create", "450789470", stores)
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
        await run_worker_until_idle(services)
        await services.redis.delete(services.keys.shop(platform.shop, "facts"))
        headers, body = platform.stores.shopify.webhook("shop/update", platform.shop.id)
        assert (await client.post("/webhooks/shopify", headers=headers, content=body)).json() == {"status": "queued"}
        await run_worker_until_idle(services)
    facts = await load_facts(services.redis, services.keys, platform.shop)
    assert facts is not None and facts.name
