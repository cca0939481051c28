"""Post-install work as durable jobs: installation check, shop facts and shipping zones (kept in plugin.shop_data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import Keys, ShopRef
from plugin.rates import ShippingSetup
from plugin.services import Services
from plugin.shop_data import load_facts, save_facts, save_shipping_setup
from plugin.shopify.adapter import shopify_platform
from plugin.storage import RedisStore

CHECK_INSTALLATION = "shopify.check_installation"
SYNC_SHOP_FACTS = "shopify.sync_shop_facts"
SYNC_SHIPPING_ZONES = "shopify.sync_shipping_zones"
POST_INSTALL_JOBS = (CHECK_INSTALLATION, SYNC_SHOP_FACTS, SYNC_SHIPPING_ZONES)


async def schedule_post_install(redis: RedisStore, keys: Keys, shop: ShopRef) -> None:
    """Queue the post-install work; the job ids make a repeated install a no-op while it is pending."""
    for name in POST_INSTALL_JOBS:
        await schedule_job(redis, keys, Job(name=name, shop=shop, job_id=f"{name}:{shop.tag}"))


async def check_installation(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    if await services.shops.is_active(shop):
        await shopify_platform(services).ensure_installation(shop)


async def sync_shop_facts(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    if not await services.shops.is_active(shop):
        return
    facts = await shopify_platform(services).fetch_shop_facts(shop)
    await save_facts(services.redis, services.keys, facts)


async def sync_shipping_zones(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    """Store the shop's delivery profiles and pickup locations as a `plugin.rates.ShippingSetup` (JSON)."""
    if not await services.shops.is_active(shop):
        return
    platform = shopify_platform(services)
    facts = await load_facts(services.redis, services.keys, shop) or await platform.fetch_shop_facts(shop)
    shipping = await platform.fetch_shipping(shop)
    setup = ShippingSetup(
        origin_country=facts.country,
        timezone=facts.timezone,
        currency=facts.currency,
        zones=shipping.zones,
        profiles=shipping.profiles,
        pickups=shipping.pickups,
        default_location_ids=shipping.default_location_ids,
    )
    await save_shipping_setup(services.redis, services.keys, shop, setup)


JOB_HANDLERS: dict[str, JobHandler] = {
    CHECK_INSTALLATION: check_installation,
    SYNC_SHOP_FACTS: sync_shop_facts,
    SYNC_SHIPPING_ZONES: sync_shipping_zones,
}
