"""Reconciliation: per shop, list recently changed orders through the adapter and queue what webhooks missed."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from plugin.events import ORDER_UPDATED, PlatformEvent
from plugin.jobs import Job, schedule_job
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.ingest import enqueue_event

log = logging.getLogger(__name__)

RECONCILE_EVERY_S = 15 * 60
FIRST_LOOKBACK = timedelta(hours=24)
OVERLAP = timedelta(minutes=5)  # re-read a little of the last window: clocks and platform indexes lag


async def reconcile_shop(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    if not await services.shops.is_active(shop):
        return
    marker = services.keys.shop(shop, "reconciled_at")
    last = as_optional_text(await services.redis.get(marker))
    now = datetime.now(UTC)
    since = datetime.fromtimestamp(float(last), UTC) - OVERLAP if last else now - FIRST_LOOKBACK
    orders = await services.platforms[shop.platform].list_recent_orders(shop, since)
    queued = 0
    for order in orders:
        event = PlatformEvent(
            shop=shop,
            type=ORDER_UPDATED,
            # The same order state always gets the same id, so webhooks and earlier runs dedupe it away.
            delivery_id=f"reconcile:{order.id}:{int(order.updated_at.timestamp() * 1000)}",
            occurred_at=order.updated_at,
            source_topic="reconcile",
            order_id=order.id,
        )
        if await enqueue_event(services.redis, services.keys, event):
            queued += 1
    await services.redis.set(marker, str(now.timestamp()))
    log.info("reconciled", extra={"shop": shop.tag, "orders": len(orders), "queued": queued})


async def schedule_reconciliation(services: Services) -> int:
    """Schedule one reconcile job per active shop for the current window; every worker may call this."""
    window = int(time.time() // RECONCILE_EVERY_S)
    shops = await services.shops.active_shops()
    for shop in shops:
        await schedule_job(
            services.redis, services.keys, Job("events.reconcile", shop, f"reconcile:{shop.tag}:{window}")
        )
    return len(shops)
