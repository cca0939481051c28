"""Durable BigCommerce jobs: post-install setup, installation repair, and shop data deletion after uninstall."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.installation import ensure_installation
from plugin.bigcommerce.store_sync import sync_facts, sync_shipping
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_optional_text

if TYPE_CHECKING:
    from plugin.services import Services

log = logging.getLogger(__name__)

POST_INSTALL = "bigcommerce.post_install"
REPAIR = "bigcommerce.repair"
SHOP_REDACT = "bigcommerce.shop_redact"
REDACT_DELAY_SECONDS = 48 * 3600
INSTALL_FAMILY = "install"


def install_state_key(keys: Keys, shop: ShopRef) -> str:
    """Hash of epoch seconds: when hooks+script, facts and shipping were last confirmed."""
    return keys.shop(shop, INSTALL_FAMILY)


async def schedule_post_install(redis: RedisStore, keys: Keys, shop: ShopRef) -> None:
    await schedule_job(redis, keys, Job(POST_INSTALL, shop, f"{POST_INSTALL}:{shop.id}"))


async def schedule_repair(redis: RedisStore, keys: Keys, shop: ShopRef) -> None:
    await schedule_job(redis, keys, Job(REPAIR, shop, f"{REPAIR}:{shop.id}"))


async def schedule_shop_redact(redis: RedisStore, keys: Keys, shop: ShopRef, uninstalled_at: str) -> None:
    """One job per uninstall: a reinstall and a second uninstall get their own full 48 hours."""
    job = Job(SHOP_REDACT, shop, f"{SHOP_REDACT}:{shop.id}:{uninstalled_at}", {"uninstalled_at": uninstalled_at})
    await schedule_job(redis, keys, job, delay_seconds=REDACT_DELAY_SECONDS)


def _adapter(services: Services) -> BigCommercePlatform:
    found = services.platforms.get("bigcommerce")
    if not isinstance(found, BigCommercePlatform):
        raise RuntimeError("the BigCommerce adapter is not wired into build_platforms")
    return found


async def complete_installation(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    """Facts, webhooks, storefront script and shipping zones; every step is idempotent, so reruns are safe."""
    if not await services.shops.is_active(shop):
        log.info("bigcommerce setup skipped: store not installed", extra={"store": shop.id})
        return
    adapter = _adapter(services)
    api = await adapter.api(shop)
    redis, keys = services.redis, services.keys
    facts = await sync_facts(api, redis, keys, shop)
    repaired = await ensure_installation(api, adapter.install_target())
    await redis.hset(install_state_key(keys, shop), "installation_checked_at", str(time.time()))
    zones = await sync_shipping(api, redis, keys, facts)
    await redis.hset(
        install_state_key(keys, shop), mapping={"shipping_synced_at": str(time.time()), "shipping_zones": str(zones)}
    )
    log.info("bigcommerce store set up", extra={"store": shop.id, "repaired": repaired, "zones": zones})


ShopEraser = Callable[["Services", ShopRef], Awaitable[object]]


async def redact_shop(services: Services, shop: ShopRef, args: Mapping[str, Any], erase_shop: ShopEraser) -> None:
    """BigCommerce has no shop/redact webhook: 48 h after an uninstall, erase the store as Shopify's would."""
    record = services.keys.shop(shop, "shop")  # ShopRegistry's record of the store
    status, uninstalled_at = await services.redis.hmget(record, ["status", "uninstalled_at"])
    if as_optional_text(status) == "active":
        log.info("bigcommerce redact skipped: the store installed again", extra={"store": shop.id})
        return
    if status is not None and as_optional_text(uninstalled_at) != args.get("uninstalled_at"):
        log.info("bigcommerce redact skipped: a later uninstall has its own job", extra={"store": shop.id})
        return
    await erase_shop(services, shop)
    log.info("bigcommerce shop data erased", extra={"store": shop.id})


def job_handlers(erase_shop: ShopEraser) -> dict[str, JobHandler]:
    """`erase_shop` is the app's one shop erasure (keys, queued events, jobs, audit), wired in by the app."""
    return {
        POST_INSTALL: complete_installation,
        REPAIR: complete_installation,
        SHOP_REDACT: partial(redact_shop, erase_shop=erase_shop),
    }
